"""The demo tells a fuller story from the first start (issue 19, item 8): an open offer, a module session at the
training organisation's place and a tutor training, resources in the pole's library, companies in the vivier; and
the session form offers the organisation's places instead of asking for an identifier."""
import re

import requests

from conftest import sql, text

OPEN_OFFER = "Animateur ou animatrice d'ateliers numériques pour les familles"


def test_the_job_board_has_an_open_offer(base):
    like = OPEN_OFFER.replace("'", "''")
    oid, state = sql(f"SELECT id, state FROM offers WHERE title LIKE '{like}%'").split("|")
    assert state == "open"
    assert OPEN_OFFER in text(requests.get(base + f"/offres/{oid}"))


def test_sessions_resources_and_companies(base, sessions):
    page = text(sessions["trainer"].get(base + "/sessions"))
    assert "Animer un atelier numérique pour des débutants" in page
    assert "Être tuteur d'un emploi d'avenir" in text(sessions["pole"].get(base + "/sessions"))
    page = text(sessions["pole"].get(base + "/ressources"))
    assert "Les Bases du numérique d'intérêt général" in page and "Pix" in page
    page = text(sessions["pole"].get(base + "/vivier"))
    assert "Drôme Numérique Services" in page and "Lyon Réseaux et Solutions" in page
    assert "04 75 25 00 00" in page  # stored in E.164, shown as people write it


def test_the_session_form_offers_the_places_of_the_organisation(base, sessions):
    page = text(sessions["trainer"].get(base + "/sessions/nouvelle"))
    # The place is typed by its name in the directory, the organisation's own places suggested.
    datalist = re.search(r'<datalist id="place_id-lieux">.*?</datalist>', page, re.S)
    assert datalist, "the place has no suggestions"
    assert '<option value="Médiation Formation Rhône-Alpes — Lyon">' in datalist.group(0)
    assert "identifiant de l'annuaire" not in page
    # The region is chosen by its name, not typed as a code.
    region = re.search(r'<select[^>]*name="region_code".*?</select>', page, re.S)
    assert region and ">Auvergne-Rhône-Alpes</option>" in region.group(0)
