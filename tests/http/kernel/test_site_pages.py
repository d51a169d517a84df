"""The public pages an operator must publish (issue 19, « Legal and help pages are skeletons »): the accessibility
statement (date, compliance level with its reference, contact, Défenseur des droits), the legal notice (publisher,
publication director, host), the personal-data page (controller, DPO, purposes, the retention table generated from
domain/kernel/retention.c, rights, CNIL), help and contact; what is the operator's comes from [site] of the
configuration. Also robots.txt and the favicon."""
import os

import pytest
import requests

from conftest import DATABASE, Server, free_port, text, write_config

SITE = {
    "publisher": "Agence Exemple du Numérique",
    "publisher_address": "3 rue des Essais, 26400 Crest",
    "publication_director": "Camille Exemple",
    "host": "Hébergeur Exemple SAS",
    "host_address": "1 quai des Serveurs, 59100 Roubaix",
    "contact_email": "equipe@tremplin.example.fr",
    "dpo": "Dominique Protection",
    "dpo_email": "dpd@tremplin.example.fr",
    "accessibility_level": "partiellement conforme",
    "accessibility_date": "2027-01-15",
    "accessibility_audit": "audit RGAA du cabinet Exemple, 2027, 68 % des critères respectés",
}


@pytest.fixture(scope="module")
def operator(workdir):
    """A second server over the session's database whose [site] names an operator."""
    port = free_port()
    extra = "[site]\n" + "".join(f"{k} = {v}\n" for k, v in SITE.items())
    config = write_config(os.path.join(workdir, f"site-{port}.ini"), port, extra=extra)
    srv = Server(DATABASE, config, port, os.path.join(workdir, f"site-{port}.log"))
    srv.start()
    yield srv.base
    srv.stop_checked()


def page(base, path):
    r = requests.get(base + path)
    assert r.status_code == 200, (path, r.status_code)
    return text(r)


def test_accessibility_statement_is_complete(operator):
    t = page(operator, "/accessibilite")
    assert "Déclaration d'accessibilité" in t
    assert "est <strong>partiellement conforme</strong> avec le référentiel général d'amélioration de l'accessibilité" in t
    assert SITE["accessibility_audit"] in t
    assert "établie le 15 janvier 2027" in t
    assert 'href="mailto:equipe@tremplin.example.fr"' in t
    assert "Défenseur des droits" in t and "Libre réponse 71120" in t
    # The footer of every page says the same level.
    assert "Accessibilité : partiellement conforme" in page(operator, "/")


def test_legal_notice_names_publisher_director_and_host(operator):
    t = page(operator, "/mentions-legales")
    for key in ("publisher", "publisher_address", "publication_director", "host", "host_address"):
        assert SITE[key] in t, key


def test_personal_data_page(operator):
    t = page(operator, "/donnees-personnelles")
    assert "Responsable du traitement" in t and SITE["publisher"] in t
    assert SITE["dpo"] in t and 'href="mailto:dpd@tremplin.example.fr"' in t
    assert "Finalités et base légale" in t and "mission d'intérêt public" in t
    assert "Vos droits" in t and "CNIL" in t and "Commission nationale de l'informatique et des libertés" in t
    # The retention table is the rules' table: one row each, with its period.
    assert "<th scope=\"col\">Au-delà de la durée</th>" in t  # the register (templates/privacy)
    assert "<td>Courriels envoyés (destinataire, objet, texte)</td><td>90 jours après leur envoi</td>" in t


def test_help_and_contact(operator):
    t = page(operator, "/aide")
    assert "<h1>Aide</h1>" in t and 'href="/offres"' in t and "France Travail" in t
    t = page(operator, "/contact")
    assert "<h1>Contact</h1>" in t and 'href="mailto:equipe@tremplin.example.fr"' in t
    assert SITE["publisher_address"] in t
    # Every page links to both from its footer.
    home = page(operator, "/")
    assert 'href="/aide"' in home and 'href="/contact"' in home


def test_defaults_say_what_is_missing(base):
    """Without [site], the ANCT's defaults are shown and what has no default says it was not given."""
    t = page(base, "/mentions-legales")
    assert "Agence nationale de la cohésion des territoires" in t and "Hébergeur non renseigné" in t
    assert "adresse de contact non renseignée" in page(base, "/contact")


def test_robots_and_favicon(base):
    r = requests.get(base + "/robots.txt")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    assert "User-agent: *" in r.text and "Disallow: /api/" in r.text
    r = requests.get(base + "/favicon.ico", allow_redirects=False)
    assert r.status_code == 301 and "/favicon/favicon.ico" in r.headers["location"]
    icon = requests.get(base + r.headers["location"])
    assert icon.status_code == 200 and icon.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
