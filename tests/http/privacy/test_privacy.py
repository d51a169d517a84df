"""Personal data over time (domain/privacy): the retention rules run by the scheduled job (the demo's former
candidates at first start; an inactive candidate anonymised and no longer found by name, the CV of a candidate whose
applications all closed a year ago deleted, old activity-report notes cleared, the count of each rule journaled), every
person's download (JSON and the readable page) holding their own rows and nobody else's personal data, and erasure in
two steps, refused while the law keeps the person's identity (a live contract)."""
import json
import time

import pytest
import requests

from conftest import DEMO_ACCOUNTS, page_csrf, run_cli, sql, sql_int
from test_applications import PASSWORD, Recruitment

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
DAY = 86400


@pytest.fixture(scope="module")
def world(base, api, make_account, login):
    """A structure with its tutor, an offer, a recruit (accepted: a live contract) and a refused candidate."""
    rc = Recruitment(base, api, make_account)
    org, tutor = rc.structure()
    offer = rc.offer(rc.dossier(tutor, posts=2), employer=tutor, posts=2)
    recruit, refused = rc.candidate(), rc.candidate()
    app = rc.apply(recruit, offer)
    r = rc.act(rc.who(tutor), app["id"], "accept", **rc.terms(tutor_email=tutor))
    assert r.status_code == 200, r.text[:1000]
    contract = r.json()["contract_id"]
    s = login(refused["email"], PASSWORD)
    r = s.post(base + "/candidat/cv", data={"csrf": page_csrf(s, base, "/candidat")},
               files={"cv": ("cv.pdf", PDF, "application/pdf")}, allow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    other = rc.apply(refused, offer)
    r = rc.act(rc.who(tutor), other["id"], "refuse", refusal_reason="profile", comment="Une autre fois.")
    assert r.status_code == 200, r.text[:1000]
    return {"rc": rc, "org": org, "tutor": tutor, "recruit": recruit, "refused": refused, "contract": contract,
            "refused_app": other["id"]}


def last_retention():
    return json.loads(sql("SELECT detail FROM journal WHERE entity = 'retention' ORDER BY id DESC LIMIT 1"))


# ---- the retention rules ------------------------------------------------------------------------------------------

def test_the_demo_s_former_candidates_at_first_start(base, api):
    # The server ran the jobs as it started (jobs_tick runs every job on its first turn); again here changes nothing.
    assert run_cli("jobs", "run").returncode == 0
    assert sql_int("SELECT COUNT(*) FROM people WHERE name = 'Dominique Ancien' OR email = "
                   "'ancien.candidat@demo.tremplin.fr'") == 0
    former = sql_int("SELECT entity_id FROM journal WHERE entity = 'candidate' AND action = 'retention_inactive' "
                     "ORDER BY id LIMIT 1")
    assert sql(f"SELECT name, active FROM people WHERE id = {former}") == "Compte supprimé|0"
    assert api.get(base + "/api/v1/people?q=Ancien").json()["total"] == 0
    # The refused one keeps their account; their CV went a year after the refusal.
    assert sql("SELECT COALESCE(c.cv_size, 0) FROM candidates c JOIN people p ON p.id = c.person_id WHERE p.email = "
               "'candidat.refuse@demo.tremplin.fr'") == "0"
    details = [json.loads(d) for d in sql("SELECT detail FROM journal WHERE entity = 'retention'").splitlines()]
    assert any(d.get("candidates_inactive") for d in details)
    assert any(d.get("cv_closed_applications") for d in details)


def test_the_job_anonymises_deletes_the_cv_and_clears_notes(base, api, world, login):
    rc, now = world["rc"], int(time.time())
    # An inactive candidate: nothing for two years and a day.
    gone = rc.candidate()
    old = now - 731 * DAY
    sql(f"UPDATE people SET created_at = {old}, updated_at = {old}, last_login_at = {old} WHERE id = {gone['id']}")
    sql(f"UPDATE candidates SET updated_at = {old}, created_at = {old} WHERE person_id = {gone['id']}")
    # The refused candidate's application closed a year and a day ago, their CV is older.
    refused = world["refused"]
    sql(f"UPDATE applications SET state_since = {now - 366 * DAY} WHERE id = {world['refused_app']}")
    sql(f"UPDATE candidates SET cv_at = {now - 370 * DAY}, updated_at = {now - 370 * DAY} WHERE person_id = "
        f"{refused['id']}")
    # An old and a recent note of the recruit's activity reports.
    org = world["org"]
    for note, at in (("ancienne note", now - 366 * DAY), ("note récente", now - 10 * DAY)):
        sql("INSERT INTO activity_reports (adviser_id, organisation_id, source, session_on, type, place_kind, "
            "commune_code, departement_code, region_code, duration_min, participants, themes, notes, created_at, "
            f"updated_at) VALUES ({world['recruit']['id']}, {org}, 'entry', '2026-01-15', 'individuel', 'epn', '26108', "
            f"'26', '84', 30, 1, 'email', '{note}', {at}, {at})")
    assert rc.who(DEMO_ACCOUNTS["admin"]).get(base + f"/api/v1/candidates/{refused['id']}/cv").status_code == 200

    r = run_cli("jobs", "run")
    assert r.returncode == 0, r.stderr
    detail = last_retention()
    assert detail.get("candidates_inactive", 0) >= 1 and detail.get("cv_closed_applications", 0) >= 1
    assert detail.get("activity_notes", 0) >= 1
    # Not findable by name any more; cannot sign in.
    assert api.get(base + f"/api/v1/people?q={gone['name']}").json()["total"] == 0
    assert sql(f"SELECT name, active FROM people WHERE id = {gone['id']}") == "Compte supprimé|0"
    assert sql(f"SELECT COALESCE(birth_date, 'NULL'), commune_code IS NULL FROM candidates WHERE person_id = "
               f"{gone['id']}") in ("NULL|1", "NULL|t", "NULL|true")
    assert sql_int(f"SELECT COUNT(*) FROM journal WHERE entity = 'candidate' AND entity_id = {gone['id']} AND "
                   "action = 'retention_inactive'") == 1
    # The CV is gone, the account stays.
    assert rc.who(DEMO_ACCOUNTS["admin"]).get(base + f"/api/v1/candidates/{refused['id']}/cv").status_code == 404
    assert sql(f"SELECT active FROM people WHERE id = {refused['id']}") == "1"
    # The old note is cleared, the figures and the recent note stay.
    assert sql(f"SELECT COALESCE(notes, 'NULL') FROM activity_reports WHERE adviser_id = {world['recruit']['id']} "
               "ORDER BY created_at") == "NULL\nnote récente"
    # The recruit (a live contract) is never touched, however old their dates.
    assert sql(f"SELECT active FROM people WHERE id = {world['recruit']['id']}") == "1"


# ---- the download -------------------------------------------------------------------------------------------------

def test_each_person_downloads_their_own_data(base, world, login):
    recruit, tutor, refused = world["recruit"], world["tutor"], world["refused"]
    s = login(recruit["email"], PASSWORD)
    r = s.get(base + "/mes-donnees.json")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    mine = r.json()
    assert mine["person"]["email"] == recruit["email"] and mine["profile"]["id"] == recruit["id"]
    assert [c["id"] for c in mine["contracts"]] == [world["contract"]] and mine["contracts"][0]["party"] == "recruit"
    assert len(mine["applications"]) == 1 and mine["memberships"][0]["role"] == "candidate"
    assert any(e["action"] for e in mine["journal"])
    assert "password_hash" not in r.text and "id_hash" not in r.text and "token_hash" not in r.text
    assert refused["email"] not in r.text and refused["name"] not in r.text
    # The same through the API, and the readable page.
    assert world["rc"].who(recruit["email"]).get(base + "/api/v1/me/data").json()["person"] == mine["person"]
    page = s.get(base + "/mes-donnees")
    assert page.status_code == 200 and recruit["email"] in page.text and "Mes contrats" in page.text

    # The tutor: their contract as its tutor, the recruit by id only, none of the recruit's personal data.
    data = world["rc"].who(tutor).get(base + "/api/v1/me/data")
    assert data.status_code == 200
    theirs = data.json()
    assert theirs["profile"] is None and theirs["contracts"] == []
    party = theirs["contracts_as_party"]
    assert [(c["id"], c["party"], c["candidate_id"]) for c in party] == [(world["contract"], "tutor", recruit["id"])]
    for secret in (recruit["email"], recruit["name"], "2003-05-17", "Je suis passionné"):
        assert secret not in data.text, secret
    assert any(e["entity"] == "application" for e in theirs["journal_authored"])
    assert all("detail" not in e for e in theirs["journal_authored"])

    # Officers and other roles download theirs too.
    for role in ("national", "prescriber", "trainer", "payer", "sponsor"):
        r = world["rc"].who(DEMO_ACCOUNTS[role]).get(base + "/api/v1/me/data")
        assert r.status_code == 200, role
        got = r.json()
        assert got["person"]["email"] == DEMO_ACCOUNTS[role] and got["memberships"][0]["role"] == role
        assert recruit["email"] not in r.text and "2003-05-17" not in r.text
    # Nobody signed out downloads anything.
    assert requests.get(base + "/api/v1/me/data").status_code == 401


# ---- erasure ------------------------------------------------------------------------------------------------------

def test_erasure_in_two_steps(base, api, make_account, login, world):
    person = make_account("employer", password=PASSWORD, organisation_id=world["org"])
    s = login(person["_email"], PASSWORD)
    r = s.post(base + "/mes-donnees/effacement", data={"csrf": page_csrf(s, base, "/mes-donnees")},
               allow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/mes-donnees")
    assert sql(f"SELECT state FROM erasure_requests WHERE person_id = {person['id']}") == "pending"
    page = s.get(base + "/mes-donnees")
    assert "Je confirme l'effacement de mes données" in page.text
    # Without the confirmation box, nothing happens.
    r = s.post(base + "/mes-donnees/effacement/confirmer", data={"csrf": page_csrf(s, base, "/mes-donnees")},
               allow_redirects=False)
    assert r.status_code == 422
    assert sql(f"SELECT active FROM people WHERE id = {person['id']}") == "1"
    r = s.post(base + "/mes-donnees/effacement/confirmer",
               data={"csrf": page_csrf(s, base, "/mes-donnees"), "confirm": "1"}, allow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert s.get(base + "/mes-donnees", allow_redirects=False).status_code == 303  # signed out
    row = sql(f"SELECT name, email, active, anonymised_at IS NOT NULL FROM people WHERE id = {person['id']}")
    name, email, active, _ = row.split("|")
    assert name == "Compte supprimé" and email.endswith(".invalid") and active == "0"
    assert sql_int(f"SELECT COUNT(*) FROM memberships WHERE person_id = {person['id']}") == 0
    assert sql(f"SELECT state FROM erasure_requests WHERE person_id = {person['id']}") == "done"
    assert sql(f"SELECT action FROM journal WHERE entity = 'person' AND entity_id = {person['id']} ORDER BY id") \
        .splitlines()[-2:] == ["erasure_request", "erasure"]
    assert api.get(base + f"/api/v1/people?q={person['_email']}").json()["total"] == 0

    # Through the API: a candidate, the confirmation said in the body.
    cand = world["rc"].candidate()
    me = cand["s"]
    r = me.post(base + "/api/v1/me/erasure", json={})
    assert r.status_code == 201 and r.json()["request"]["state"] == "pending" and r.json()["refusals"] == []
    r = me.post(base + "/api/v1/me/erasure/confirm", json={})
    assert r.status_code == 422 and "confirm" in r.text
    r = me.post(base + "/api/v1/me/erasure/confirm", json={"confirm": True})
    assert r.status_code == 200 and r.json() == {"erased": True}
    assert sql(f"SELECT name FROM people WHERE id = {cand['id']}") == "Compte supprimé"
    assert sql_int(f"SELECT COUNT(*) FROM candidates WHERE person_id = {cand['id']} AND birth_date IS NULL") == 1


def test_erasure_is_refused_while_a_contract_runs(base, world, login):
    recruit, tutor = world["recruit"], world["tutor"]
    for email in (recruit["email"], tutor):
        s = world["rc"].who(email)
        r = s.post(base + "/api/v1/me/erasure", json={})
        assert r.status_code == 201, r.text
        got = r.json()
        assert got["request"]["state"] == "refused"
        assert [x["code"] for x in got["request"]["reasons"]] == ["contract_live"]
        assert "L5134" in got["refusals"][0]["basis"]
        # Nothing waits for a confirmation.
        assert s.post(base + "/api/v1/me/erasure/confirm", json={"confirm": True}).status_code == 404
    assert sql(f"SELECT active FROM people WHERE id = {recruit['id']}") == "1"
    # The candidate's own page says the same when they try to delete their account at once.
    s = login(recruit["email"], PASSWORD)
    r = s.post(base + "/candidat/supprimer", data={"csrf": page_csrf(s, base, "/candidat"), "confirm": "1"},
               allow_redirects=False)
    assert r.status_code == 409
    page = s.get(base + "/mes-donnees")
    assert "L'effacement n'est pas possible pour l'instant" in page.text
    # The public register states the refusals and the rules.
    reg = requests.get(base + "/donnees-personnelles").text
    assert "Quand l'effacement est refusé" in reg and "L5134-110" in reg
    assert "2 ans après leur dernière activité" in reg and "1 an après la clôture de la dernière candidature" in reg
