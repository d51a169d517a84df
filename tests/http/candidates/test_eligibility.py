"""Eligibility over HTTP (the suite runs on SQLite and on PostgreSQL): each programme's criteria, shipped as data,
evaluated from a profile on the edges the issue lists (the day before and the day of a birthday, six months of job
search exactly, RQTH, priority areas); the diagnosis a prescriber records (confirmed, or overridden with a comment),
valid for the programme's duration; who may record and read it."""
import datetime
import json

import pytest
import requests

from conftest import page_csrf, sql, sql_int, text, unique, unique_email
from test_candidates import (PASSWORD, assert_problem, field_message, follow, register_api, request_follow,
                             summary)

EAV = "EAV-EPN-2013"
CNFS = "CNFS-2020"


@pytest.fixture(scope="module")
def programmes(base):
    return {p: sql_int(f"SELECT id FROM programmes WHERE code = '{p}'") for p in (EAV, CNFS)}


@pytest.fixture(scope="module")
def prescriber(sessions):
    return sessions["prescriber"]


@pytest.fixture(scope="module")
def token(prescriber, base):
    return page_csrf(prescriber, base, "/prescripteur")


def evaluation(session, base, cid, code, on):
    r = session.get(base + f"/api/v1/candidates/{cid}/eligibility", params={"on": on})
    assert r.status_code == 200, r.text
    ev = next(e for e in r.json()["evaluations"] if e["programme_code"] == code)
    return ev["eligible"], {c["code"]: c["met"] for c in ev["criteria"]}, ev


def add_months(day, months):
    """DAY moved by MONTHS, the day clamped to the end of a shorter month (as the server does)."""
    y, m = divmod(day.month - 1 + months, 12)
    y += day.year
    m += 1
    for d in range(day.day, 27, -1):
        try:
            return datetime.date(y, m, d)
        except ValueError:
            continue
    return datetime.date(y, m, day.day)


def today_paris():
    from zoneinfo import ZoneInfo
    return datetime.datetime.now(ZoneInfo("Europe/Paris")).date()


def test_the_programmes_carry_their_criteria_as_data(programmes):
    row = sql(f"SELECT eligibility, eligibility_valid_months, requires_eligibility, total_max_months FROM programmes "
              f"WHERE id = {programmes[EAV]}").split("|")
    criteria = json.loads(row[0])
    assert criteria["age"] == {"min": 16, "max": 25, "max_with_rqth": 30}
    assert [p["max_level"] for p in criteria["paths"]] == ["3", "5"]
    assert [p["seeking_months"] for p in criteria["paths"]] == [6, 12]
    assert criteria["paths"][1]["areas"] == ["qpv", "zrr", "outre_mer"]
    assert row[1:] == ["6", "1", "36"]
    row = sql(f"SELECT eligibility, requires_eligibility, total_max_months FROM programmes WHERE id = "
              f"{programmes[CNFS]}").split("|")
    assert json.loads(row[0]) == {} and row[1:] == ["0", "24"]


def test_age_on_the_day_before_and_the_day_of_the_26th_birthday(base):
    c = register_api(base, birth_date="2000-11-25", qualification_level="3", seeking_since="2026-05-24")
    s = c["_s"]
    eligible, met, ev = evaluation(s, base, c["id"], EAV, "2026-11-24")
    assert eligible and met == {"age": True, "path_1": True, "path_2": False}, ev
    assert "25 ans" in next(x["detail"] for x in ev["criteria"] if x["code"] == "age")
    eligible, met, ev = evaluation(s, base, c["id"], EAV, "2026-11-25")
    assert not eligible and met["age"] is False, ev
    assert "26 ans" in next(x["detail"] for x in ev["criteria"] if x["code"] == "age")
    # No criteria for the 2020 programme: eligible, and no diagnosis is required.
    eligible, met, ev = evaluation(s, base, c["id"], CNFS, "2026-11-25")
    assert eligible and met == {} and ev["requires_eligibility"] is False
    # The date must be a date.
    assert_problem(s.get(base + f"/api/v1/candidates/{c['id']}/eligibility", params={"on": "2026-02-30"}), 422, "on")


def test_rqth_raises_the_age_limit_to_30(base):
    c = register_api(base, birth_date="1995-11-25", rqth=True, qualification_level="none",
                     seeking_since="2025-01-01")
    assert evaluation(c["_s"], base, c["id"], EAV, "2026-11-24")[1]["age"] is True  # 30
    assert evaluation(c["_s"], base, c["id"], EAV, "2026-11-25")[1]["age"] is False  # 31
    c = register_api(base, birth_date="1998-01-01", qualification_level="none", seeking_since="2025-01-01")
    assert evaluation(c["_s"], base, c["id"], EAV, "2026-11-24")[1]["age"] is False  # 28, without RQTH


def test_six_months_of_job_search_exactly(base):
    c = register_api(base, birth_date="2004-01-01", qualification_level="3", seeking_since="2026-05-24")
    assert evaluation(c["_s"], base, c["id"], EAV, "2026-11-24")[1]["path_1"] is True
    eligible, met, ev = evaluation(c["_s"], base, c["id"], EAV, "2026-11-23")
    assert not eligible and met["path_1"] is False
    assert "5 mois" in next(x["detail"] for x in ev["criteria"] if x["code"] == "path_1")


def test_priority_areas_open_the_second_path(base):
    c = register_api(base, birth_date="2004-01-01", qualification_level="5", seeking_since="2025-11-24",
                     priority_area="qpv")
    eligible, met, _ = evaluation(c["_s"], base, c["id"], EAV, "2026-11-24")
    assert eligible and met == {"age": True, "path_1": False, "path_2": True}
    assert evaluation(c["_s"], base, c["id"], EAV, "2026-11-23")[0] is False  # 11 months
    c = register_api(base, birth_date="2004-01-01", qualification_level="5", seeking_since="2024-01-01")
    assert evaluation(c["_s"], base, c["id"], EAV, "2026-11-24")[0] is False  # bac + 2 outside priority areas
    c = register_api(base, birth_date="2004-01-01", qualification_level="6", seeking_since="2024-01-01",
                     priority_area="zrr")
    assert evaluation(c["_s"], base, c["id"], EAV, "2026-11-24")[0] is False  # a licence is too high


def test_a_prescriber_confirms_the_evaluation(base, prescriber, token, programmes):
    c = register_api(base, birth_date="2004-01-01", qualification_level="3", seeking_since="2025-01-06")
    cid = c["id"]
    follow(base, prescriber, c["_email"])
    r = prescriber.post(base + f"/api/v1/candidates/{cid}/eligibility",
                        json={"programme_id": programmes[EAV], "decision": "confirm"}, headers={"X-CSRF-Token": token})
    assert r.status_code == 201, r.text
    d = r.json()
    today = today_paris()
    assert d["eligible"] is True and d["computed_eligible"] is True and d["overridden"] is False
    assert d["decided_on"] == today.isoformat()
    assert d["valid_until"] == add_months(today, 6).isoformat()
    assert d["valid"] is True and d["programme_code"] == EAV
    assert d["organisation_name"] == "Mission locale Vallée de la Drôme" and d["prescriber_name"]
    assert {x["code"] for x in d["criteria"]} == {"age", "path_1", "path_2"}
    assert sql(f"SELECT computed_eligible, eligible, overridden, organisation_id IS NOT NULL FROM "
               f"eligibility_diagnoses WHERE id = {d['id']}") in ("1|1|0|1", "1|1|0|t")
    assert sql(f"SELECT action FROM journal WHERE entity = 'eligibility_diagnosis' AND entity_id = {d['id']}") == \
        "create"
    # The candidate sees it, the other readers too.
    overview = c["_s"].get(base + f"/api/v1/candidates/{cid}/eligibility").json()
    assert [x["id"] for x in overview["diagnoses"]] == [d["id"]]
    page = text(c["_s"].get(base + "/candidat"))
    assert "Mes diagnostics d'éligibilité" in page and "Éligible" in page and "en cours de validité" in page


def test_an_override_needs_a_comment(base, prescriber, token, programmes):
    c = register_api(base, birth_date="2004-01-01", qualification_level="4", seeking_since="2025-01-06")
    cid = c["id"]
    follow(base, prescriber, c["_email"])
    url = base + f"/api/v1/candidates/{cid}/eligibility"
    p = assert_problem(prescriber.post(url, json={"programme_id": programmes[EAV], "decision": "override"},
                                       headers={"X-CSRF-Token": token}), 422, "comment")
    assert "« Commentaire »" in field_message(p, "comment")
    p = assert_problem(prescriber.post(url, json={"programme_id": 999999, "decision": "confirm"},
                                       headers={"X-CSRF-Token": token}), 422, "programme_id")
    assert "« Dispositif »" in field_message(p, "programme_id")
    p = assert_problem(prescriber.post(url, json={"programme_id": programmes[EAV], "decision": "peut-être"},
                                       headers={"X-CSRF-Token": token}), 422, "decision")
    assert sql_int(f"SELECT COUNT(*) FROM eligibility_diagnoses WHERE candidate_id = {cid}") == 0
    # Level 4 outside priority areas: not eligible by the criteria; the prescriber concludes otherwise.
    r = prescriber.post(url, json={"programme_id": programmes[EAV], "decision": "override",
                                   "comment": "Diplôme étranger non reconnu : niveau 3 retenu."},
                        headers={"X-CSRF-Token": token})
    assert r.status_code == 201, r.text
    d = r.json()
    assert d["computed_eligible"] is False and d["eligible"] is True and d["overridden"] is True
    assert d["comment"] == "Diplôme étranger non reconnu : niveau 3 retenu."


def test_the_diagnosis_form_of_the_prescriber_page(base, prescriber, programmes):
    c = register_api(base, birth_date="2004-01-01", qualification_level="3", seeking_since="2025-01-06")
    cid = c["id"]
    follow(base, prescriber, c["_email"])
    page = text(prescriber.get(base + f"/prescripteur/candidats/{cid}"))
    assert "Âge : de 16 à 25 ans (jusqu'à 30 ans avec une RQTH)" in page and "Critères remplis" in page
    assert "Ce dispositif ne fixe aucun critère" in page
    url = base + f"/prescripteur/candidats/{cid}/eligibilite"
    csrf = page_csrf(prescriber, base, f"/prescripteur/candidats/{cid}")
    r = prescriber.post(url, data={"csrf": csrf, "programme_id": str(programmes[EAV]), "decision": "override"})
    assert r.status_code == 422
    assert "comment" in summary(r) and "<title>Erreur :" in r.text
    r = prescriber.post(url, data={"csrf": csrf, "decision": "confirm"})
    assert r.status_code == 422 and "programme_id" in summary(r)
    r = prescriber.post(url, data={"csrf": csrf, "programme_id": str(programmes[CNFS]), "decision": "confirm"},
                        allow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("#diagnostics")
    page = text(prescriber.get(base + f"/prescripteur/candidats/{cid}"))
    assert "Le diagnostic d'éligibilité est enregistré" in page and "Conseillers numériques France Services" in page
    items = prescriber.get(base + "/api/v1/prescriber/candidates").json()["items"]
    last = next(i for i in items if i["id"] == cid)["last_diagnosis"]
    assert last["eligible"] is True and last["programme_name"] == "Conseillers numériques France Services"


def test_only_a_following_prescriber_records_a_diagnosis(base, prescriber, token, programmes, sessions):
    c = register_api(base)
    body = {"programme_id": programmes[EAV], "decision": "confirm"}
    url = base + f"/api/v1/candidates/{c['id']}/eligibility"
    assert_problem(prescriber.post(url, json=body, headers={"X-CSRF-Token": token}), 404)
    # A request the candidate has not accepted opens nothing either.
    request_follow(base, prescriber, c["_email"])
    assert_problem(prescriber.post(url, json=body, headers={"X-CSRF-Token": token}), 404)
    # The candidate, a structure or an admin do not either (the route is the prescribers').
    s = c["_s"]
    assert_problem(s.post(url, json=body, headers={"X-CSRF-Token": page_csrf(s, base, "/candidat")}), 403)
    admin = sessions["admin"]
    assert_problem(admin.post(url, json=body, headers={"X-CSRF-Token": page_csrf(admin, base)}), 403)
    assert sql_int(f"SELECT COUNT(*) FROM eligibility_diagnoses WHERE candidate_id = {c['id']}") == 0
