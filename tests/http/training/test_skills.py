"""The skills self-assessment grid (issue 6): the competences, a contract's grid, assessments by the young person
and the tutor, who may read and who may fill it, the page (chart and table of the same figures, the form) and
the CSV exports. Contracts are built through the APIs (test_training.py's World)."""
import csv
import html
import io

import pytest

from conftest import csrf_from, unique
from test_training import World
from test_applications import Recruitment


@pytest.fixture(scope="module")
def w(base, api, make_account):
    rc = Recruitment(base, api, make_account)
    return World(rc, rc.offer(rc.dossier(posts=10), posts=10), api, make_account)


@pytest.fixture(scope="module")
def grid(w):
    """A contract (young person, tutor) and its grid as the structure reads it."""
    cand, cid = w.contract()
    r = w.s["employer"].get(w.base + f"/api/v1/contracts/{cid}/skills")
    assert r.status_code == 200, r.text[:1000]
    return {"cand": cand, "cid": cid, "grid": r.json()}


def assess(session, base, cid, levels, moment="start", on="2026-11-02", **extra):
    return session.post(base + f"/api/v1/contracts/{cid}/assessments",
                        json={"moment": moment, "assessed_on": on, "levels": levels, **extra})


def field_errors(r):
    return {e["field"]: e["message"] for e in r.json().get("errors", [])}


def test_the_framework_and_the_job_skills_are_seeded(base):
    import requests
    items = requests.get(base + "/api/v1/competences").json()["items"]
    assert [c["code"] for c in items[:3]] == ["1.1", "1.2", "1.3"]
    assert len(items) == 16
    assert items[15]["title"] == "Construire un environnement numérique"
    assert {c["domain"] for c in items} == {"Information et données", "Communication et collaboration",
                                           "Création de contenu", "Protection et sécurité",
                                           "Environnement numérique"}


def test_the_grid_holds_the_framework_and_the_contracts_job_skills(grid):
    comps = grid["grid"]["competences"]
    codes = [c["code"] for c in comps]
    assert codes[:16] == [c for c in codes[:16] if "." in c] and len([c for c in codes if "." in c]) == 16
    # The test contracts are on the "forgeur numérique" profile: its skills follow the framework's.
    assert [c for c in codes if c.startswith("FN-")] == ["FN-1", "FN-2", "FN-3"]
    assert grid["grid"]["assessments"] == [] and grid["grid"]["can_assess_as"] is None


def test_self_and_tutor_assess_and_the_levels_line_up(w, base, grid):
    cid, comps = grid["cid"], grid["grid"]["competences"]
    first, second = str(comps[0]["id"]), str(comps[1]["id"])
    r = assess(grid["cand"]["s"], base, cid, {first: 2, second: 3}, comment="Mon point de départ")
    assert r.status_code == 201, r.text[:1000]
    assert r.json()["can_assess_as"] == "self"
    r = assess(w.s["tutor"], base, cid, {first: 3}, on="2026-11-03")
    assert r.status_code == 201, r.text[:1000]
    r = assess(grid["cand"]["s"], base, cid, {first: 5}, moment="mid", on="2027-06-01")
    assert r.status_code == 201, r.text[:1000]
    g = w.s["employer"].get(base + f"/api/v1/contracts/{cid}/skills").json()
    c0 = next(c for c in g["competences"] if c["id"] == int(first))
    assert [(p["on"], p["level"]) for p in c0["self"]] == [("2026-11-02", 2), ("2027-06-01", 5)]
    assert [(p["on"], p["level"]) for p in c0["tutor"]] == [("2026-11-03", 3)]
    assert [(a["assessor_role"], a["moment"]) for a in g["assessments"]] == [
        ("self", "start"), ("tutor", "start"), ("self", "mid")]
    assert g["assessments"][0]["comment"] == "Mon point de départ"


@pytest.mark.parametrize("levels,field,words", [
    ({}, "levels", "au moins une compétence"),
    ({"FIRST": 9}, "levels.FIRST", "de 1 à 8"),
    ({"FIRST": 0}, "levels.FIRST", "de 1 à 8"),
    ({"999999": 4}, "levels.999999", "ne fait pas partie de la grille"),
])
def test_bad_levels_are_named(base, grid, levels, field, words):
    first = str(grid["grid"]["competences"][0]["id"])
    levels = {k.replace("FIRST", first): v for k, v in levels.items()}
    r = assess(grid["cand"]["s"], base, grid["cid"], levels)
    assert r.status_code == 422, r.text[:500]
    errors = field_errors(r)
    assert words in errors[field.replace("FIRST", first)], errors


def test_moment_and_date_are_checked(base, grid):
    first = str(grid["grid"]["competences"][0]["id"])
    r = assess(grid["cand"]["s"], base, grid["cid"], {first: 4}, moment="whenever", on="2026-02-30")
    assert r.status_code == 422
    errors = field_errors(r)
    assert "Moment" in errors["moment"] and "date valide" in errors["assessed_on"]


@pytest.mark.parametrize("who,status", [
    ("employer", 403), ("pole", 403), ("national", 403), ("sponsor", 403), ("employer_other", 404),
])
def test_only_the_young_person_and_the_tutor_fill_it(w, base, grid, who, status):
    first = str(grid["grid"]["competences"][0]["id"])
    r = assess(w.s[who], base, grid["cid"], {first: 4})
    assert r.status_code == status, (who, r.text[:300])


@pytest.mark.parametrize("who,status", [
    ("employer", 200), ("tutor", 200), ("sponsor", 200), ("pole", 200), ("national", 200), ("admin", 200),
    # Out of scope, the contract does not exist for them.
    ("employer_other", 404), ("pole_other", 404), ("trainer_other", 404),
])
def test_who_reads_the_grid(w, base, grid, who, status):
    assert w.s[who].get(base + f"/api/v1/contracts/{grid['cid']}/skills").status_code == status, who
    r = w.s[who].get(base + f"/contrats/{grid['cid']}/grille.csv")
    assert r.status_code == status, who


def test_the_page_shows_chart_table_and_form(w, base, grid):
    page = w.s["tutor"].get(base + f"/contrats/{grid['cid']}/grille")
    assert page.status_code == 200
    body = html.unescape(page.text)
    assert "Grille d'autodiagnostic de" in body
    assert 'role="img"' in body and "autodiagnostic 2 puis 5" in body
    # The first self-assessment (level 2) at the left edge: y = 72 - 8 - (2 - 1) × 56 / 7.
    assert '<circle cx="8" cy="56" r="3"' in body
    assert "<caption>Niveau atteint (1 à 8) pour chaque compétence, à chaque évaluation</caption>" in body
    assert 'name="levels.' in body and "Enregistrer l'évaluation" in body
    # The structure reads the grid but has no form.
    page = w.s["employer"].get(base + f"/contrats/{grid['cid']}/grille")
    assert page.status_code == 200 and "Enregistrer l'évaluation" not in html.unescape(page.text)


def test_the_form_records_an_assessment_and_names_a_bad_level(w, base, grid):
    page = w.s["tutor"].get(base + f"/contrats/{grid['cid']}/grille")
    token = csrf_from(page.text)
    first = grid["grid"]["competences"][0]["id"]
    r = w.s["tutor"].post(base + f"/contrats/{grid['cid']}/grille",
                          data={"csrf": token, "moment": "end", "assessed_on": "2028-10-01",
                                f"levels.{first}": "7"}, allow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    r = w.s["tutor"].post(base + f"/contrats/{grid['cid']}/grille",
                          data={"csrf": token, "moment": "end", "assessed_on": "2028-10-01"}, allow_redirects=False)
    assert r.status_code == 422
    assert "Erreur : grille d'autodiagnostic" in html.unescape(r.text) and "au moins une compétence" in r.text


def test_csv_of_one_grid_and_of_every_grid_in_scope(w, base, grid):
    r = w.s["employer"].get(base + f"/contrats/{grid['cid']}/grille.csv")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Contrat", "Personne", "Structure", "Code", "Compétence", "Date", "Moment", "Évaluation",
                       "Niveau"]
    assert any(row[7] == "Évaluation du tuteur" and row[5] == "2026-11-03" for row in rows[1:])
    every = w.s["pole"].get(base + "/grilles.csv")
    assert every.status_code == 200
    assert str(grid["cid"]) in [row[0] for row in csv.reader(io.StringIO(every.content.decode("utf-8-sig")),
                                                             delimiter=";")]
    assert w.s["employer"].get(base + "/grilles.csv").status_code == 403


def test_national_officers_add_competences(w, base):
    code = unique("X-")[:20]
    r = w.s["national"].post(base + "/api/v1/competences",
                             json={"code": code, "domain": "Métier : essai", "title": "Compétence d'essai"})
    assert r.status_code == 201, r.text
    again = w.s["national"].post(base + "/api/v1/competences",
                                 json={"code": code, "domain": "Métier : essai", "title": "Doublon"})
    assert again.status_code == 422 and "déjà ce code" in field_errors(again)["code"]
    cid = r.json()["id"]
    r = w.s["national"].patch(base + f"/api/v1/competences/{cid}",
                              json={"version": 1, "code": code, "domain": "Métier : essai", "title": "Renommée",
                                    "active": False})
    assert r.status_code == 200, r.text
    stale = w.s["national"].patch(base + f"/api/v1/competences/{cid}",
                                  json={"version": 1, "code": code, "domain": "D", "title": "T"})
    assert stale.status_code == 409
    assert w.s["employer"].post(base + "/api/v1/competences",
                                json={"code": "Y", "domain": "D", "title": "T"}).status_code == 403
    page = w.s["national"].get(base + "/competences")
    assert page.status_code == 200 and "Ajouter une compétence" in page.text
