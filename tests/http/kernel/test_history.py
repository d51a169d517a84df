"""Histories people can read: every timeline and the admin journal in French sentences from the lifecycle and field
tables (no action codes, no raw ids, no JSON), the journal filtered by who, what and when with the raw entry one
click away, and the people list naming each person's roles."""
import html
import re

import requests

from conftest import DEMO_ACCOUNTS

PLACE = "demo-ateliers-numeriques-crest"
DEMO_ORG = "Les Ateliers numériques de la vallée de la Drôme"


def main_text(page):
    m = re.search(r"<main.*?</main>", page, re.S)
    assert m
    body = re.sub(r"<details.*?</details>", "", m.group(0), flags=re.S)  # the raw entries are meant to be raw
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def test_the_contract_timeline_is_in_french(base, sessions):
    page = sessions["admin"].get(base + "/contrats/1")
    assert page.status_code == 200
    text = main_text(page.text)
    assert "Parcours type de la fiche métier appliqué" in text
    assert "Évaluation inscrite dans la grille de compétences" in text
    assert "Modules ajoutés : 3" in text
    for code in ("path_template", "assess", "assessor_role", "{", "Autre action"):
        assert code not in text, code


def test_the_place_history_names_the_organisation(base, sessions):
    text = main_text(sessions["admin"].get(base + f"/lieux/{PLACE}").text)
    assert "Structure gestionnaire : " + DEMO_ORG in text
    assert not re.search(r"Structure gestionnaire : \d", text)


def test_the_journal_reads_in_french_with_the_raw_entry_one_click_away(base, sessions):
    admin = sessions["admin"]
    page = admin.get(base + "/admin/journal?objet=dossier&au=2100-01-01").text
    text = main_text(page)
    assert "Dossier validé" in text and "Avis régional rendu" in text
    assert re.search(r"postes accordés : \d", text, re.I)  # the payload, with its field's label
    assert re.search(r"Dossier validé \([^()]+ → [^()]+\)", text)  # the move in the states' words
    for code in ("give_opinion", "path_template", "\"from\""):
        assert code not in text, code
    assert "<summary>Entrée brute n° " in page
    raw = re.search(r"<details.*?</details>", page, re.S).group(0)
    assert "{" in html.unescape(raw)  # the stored detail, as it is


def test_the_journal_filters(base, sessions):
    admin = sessions["admin"]
    contracts = admin.get(base + "/admin/journal?objet=contract").text
    objects = re.findall(r"<td>((?:Contrat|Dossier|Candidature|Personne|Structure)[^<]*)</td>", contracts)
    assert objects and all(o.startswith("Contrat n° ") for o in objects), objects
    assert 'option value="contract" selected' in contracts
    mine = main_text(admin.get(base + "/admin/journal?qui=s%C3%A9bastien").text)
    assert "Sébastien Structure" in mine and "Camille Administratrice" not in mine
    none = main_text(admin.get(base + "/admin/journal?du=2099-01-01").text)
    assert "Aucune entrée ne correspond à ces critères." in none
    assert "Effacer les critères" in admin.get(base + "/admin/journal?du=2099-01-01").text
    assert sessions["national"].get(base + "/admin/journal").status_code == 403
    assert requests.get(base + "/admin/journal", allow_redirects=False).status_code in (302, 303)


def test_the_people_list_names_the_roles(base, sessions):
    text = main_text(sessions["admin"].get(base + "/admin/personnes?q=demo.tremplin.fr").text)
    assert "Administrateur de la plateforme" in text
    assert "Structure employeuse (" + DEMO_ORG + ")" in text
    text = main_text(sessions["admin"].get(base + "/admin/personnes?q=pilotage@demo").text)
    row = re.search(re.escape(DEMO_ACCOUNTS["viewer"]) + r"\s+(\S[^\n]*)", text)
    assert row and "Membre du comité de pilotage" in row.group(1)
