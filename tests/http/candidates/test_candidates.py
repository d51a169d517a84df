"""Candidates and prescribers: self-registration (page and API) with each bad field named in French, the profile
and its version check, the CV checked by its content and size, hiding from matching, the download of one's data,
the deletion of one's account (what the law requires is kept, anonymised; the rest erased), and the scope of
prescribers: a prescriber asks to follow by email (the answer never tells whether the address is a candidate's),
the candidate accepts, declines or removes them, and what one may not see answers 404 from the page and the API
alike."""
import datetime
import json
import re

import pytest
import requests

from conftest import (DEMO_ACCOUNTS, csrf_from, journal_verify, org_id, page_csrf, person_id, post_login, run_cli,
                      sql, sql_int, text, unique, unique_email)

PASSWORD = "mot-de-passe-candidat-2026"
ML_ORG = "Mission locale Vallée de la Drôme"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
MB5 = 5 * 1024 * 1024
# The sessions of the candidates registered here, by email: follow() has them accept the prescriber's request.
CANDIDATE_SESSIONS = {}


def profile(**over):
    body = {"birth_date": "2004-03-01", "commune_code": "26108", "qualification_level": "3",
            "seeking_since": "2025-01-06", "priority_area": "none", "max_distance_km": 40,
            "available_from": "2026-12-01"}
    body.update(over)
    return body


_ADMIN_TOKEN = []


def admin_bearer():
    """The Authorization header of an admin's API token (made once with `tremplin token create`)."""
    if not _ADMIN_TOKEN:
        r = run_cli("token", "create", DEMO_ACCOUNTS["admin"], "test_candidates")
        assert r.returncode == 0, r.stderr
        _ADMIN_TOKEN.append(r.stdout.strip().split()[-1])
    return {"Authorization": f"Bearer {_ADMIN_TOKEN[0]}"}


def register_api(base, **over):
    """A candidate registered by an admin through POST /api/v1/candidates (a visitor's registration goes through a
    confirmation link: test_a_visitor_registers_through_the_link_in_the_email): the JSON answered, plus _email and _s
    (a session signed in through the form)."""
    email = unique_email("cand")
    body = {"email": email, "name": unique("Jeune "), "password": PASSWORD, **profile(), **over}
    r = requests.post(base + "/api/v1/candidates", json=body, headers=admin_bearer())
    assert r.status_code == 201, r.text
    out = r.json()
    s, r = post_login(base, email, PASSWORD)
    assert r.status_code == 303, r.status_code
    out["_email"], out["_s"] = email, s
    CANDIDATE_SESSIONS[email.lower()] = s
    return out


def assert_problem(r, status, field=None):
    assert r.status_code == status, (r.status_code, r.text[:1000])
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers.get("content-type")
    p = r.json()
    assert p["status"] == status and p["title"] and p["detail"]
    if field is not None:
        assert field in [e["field"] for e in p["errors"]], p
    return p


def field_message(p, field):
    return next(e["message"] for e in p["errors"] if e["field"] == field)


def summary(page):
    """The error summary of a form page: {field_id: message}."""
    return {m.group(1): m.group(2) for m in re.finditer(r'<li><a href="#([^"]+)">([^<]*)</a>', text(page))}


@pytest.fixture(scope="module")
def prescriber(sessions):
    return sessions["prescriber"]


@pytest.fixture(scope="module")
def other_prescriber(base, api, make_account, login):
    """A prescriber of another organisation (a France Travail agency)."""
    r = api.post(base + "/api/v1/organisations", json={"name": unique("France Travail Valence "), "kind": "prescriber"})
    assert r.status_code == 201, r.text
    p = make_account("prescriber", password=PASSWORD, organisation_id=r.json()["id"])
    return login(p["_email"], PASSWORD)


def request_follow(base, session, email):
    """The prescriber asks to follow EMAIL: always the same answer, back to the list."""
    r = session.post(base + "/prescripteur/suivre", data={"csrf": page_csrf(session, base, "/prescripteur"),
                                                           "email": email}, allow_redirects=False)
    assert r.status_code == 303, (r.status_code, text(r)[:2000])
    assert r.headers["location"] == "/prescripteur"
    return r


def accept_requests(base, s):
    """The candidate of session S accepts every request waiting on their page."""
    for f in s.get(base + "/api/v1/candidates/me").json()["followers"]:
        if f["state"] == "requested":
            r = s.post(base + f"/candidat/suivis/{f['organisation_id']}/accepter",
                       data={"csrf": page_csrf(s, base, "/candidat")}, allow_redirects=False)
            assert r.status_code == 303, r.status_code


def follow(base, session, email):
    """The prescriber asks, the candidate (registered here) accepts."""
    r = request_follow(base, session, email)
    accept_requests(base, CANDIDATE_SESSIONS[email.lower()])
    return r


def pdf_of(size):
    head, tail = b"%PDF-1.7\n", b"\n%%EOF\n"
    return head + b"0" * (size - len(head) - len(tail)) + tail


def upload(base, s, content, name="cv.pdf", ctype="application/pdf"):
    return s.post(base + "/candidat/cv", data={"csrf": page_csrf(s, base, "/candidat")},
                  files={"cv": (name, content, ctype)}, allow_redirects=False)


# ---- registration ------------------------------------------------------------------------------------------------


CONFIRM_LINK = re.compile(r"https?://\S+(/inscription/confirmer/[A-Za-z0-9_-]+)")


def test_a_visitor_registers_through_the_link_in_the_email(base, wait_mail):
    s = requests.Session()
    r = s.get(base + "/inscription-candidat")
    assert r.status_code == 200
    page = text(r)
    for label in ("Adresse électronique", "Mot de passe", "Date de naissance", "Niveau de qualification",
                  "ancien niveau V)", "QPV (anciennement ZUS)", "Métiers souhaités", "Forgeur numérique",
                  "Conseiller numérique", "Ne pas apparaître dans les mises en relation"):
        assert label in page, label
    email = unique_email("insc")
    profiles = sql("SELECT id FROM job_profiles WHERE active = 1 ORDER BY id").splitlines()[:2]
    data = {"csrf": csrf_from(r.text), "email": email.upper(), "name": "Inès Inscrite", "password": PASSWORD,
            "password_confirm": PASSWORD, **{k: str(v) for k, v in profile(rqth="1").items()},
            "wished_profiles": profiles}
    r = s.post(base + "/inscription-candidat", data=data, allow_redirects=False)
    assert r.status_code == 200, text(r)[:3000]
    assert "Vérifiez votre messagerie" in text(r)
    assert not s.cookies.get("tremplin_session"), "signed in before the address was confirmed"
    # Not confirmed yet: the right password is answered as a wrong one (a new link is sent).
    _, r = post_login(base, email, PASSWORD)
    assert r.status_code == 422 and "incorrect" in text(r)
    pid = person_id(email)
    assert sql(f"SELECT COUNT(*) FROM people WHERE id = {pid} AND confirmed_at IS NULL") == "1"

    body = wait_mail(email, "Confirmez votre inscription")
    path = CONFIRM_LINK.search(body).group(1)
    wait_mail(email, "Confirmez votre inscription")  # the second link, sent on the sign-in above
    r = s.get(base + path)
    assert r.status_code == 200 and email in text(r) and "Activer mon compte" in text(r)
    r = s.post(base + path, data={"csrf": csrf_from(r.text)}, allow_redirects=False)
    assert r.status_code == 303, text(r)[:2000]
    assert r.headers["location"] == "/candidat"
    assert s.cookies.get("tremplin_session"), "not signed in after confirming"
    r = s.get(base + "/candidat")
    assert r.status_code == 200
    page = text(r)
    assert "Mon profil" in page and "Crest (26108)" in page and "votre compte candidat est créé" in page
    assert s.get(base + path).status_code == 404  # used up, with the other link
    assert post_login(base, email, PASSWORD)[1].status_code == 303
    assert sql(f"SELECT role, COALESCE(organisation_id, 0) FROM memberships WHERE person_id = {pid}") == "candidate|0"
    row = sql(f"SELECT c.latitude = m.latitude AND c.longitude = m.longitude, c.rqth, c.hidden "
              f"FROM candidates c JOIN communes m ON m.code = c.commune_code WHERE c.person_id = {pid}")
    assert row in ("1|1|0", "t|1|0"), row
    wished = sql(f"SELECT job_profile_id FROM candidate_wished_profiles WHERE candidate_id = {pid} "
                 f"ORDER BY job_profile_id").split()
    assert wished == sorted(profiles, key=int), wished
    # The journal names the fields, never their values.
    detail = sql(f"SELECT detail FROM journal WHERE entity = 'candidate' AND entity_id = {pid} AND action = 'create'")
    assert "birth_date" in detail and "2004-03-01" not in detail
    assert sql_int(f"SELECT COUNT(*) FROM journal WHERE entity = 'person' AND entity_id = {pid} "
                   "AND action = 'confirm_email'") == 1


def test_registration_answers_the_same_whether_or_not_the_email_has_an_account(base, wait_mail):
    """Finding 5 of issue 11: the answer told anyone whether an email had an account (admins included)."""
    known = DEMO_ACCOUNTS["admin"]
    fresh = unique_email("neuf")
    answers = []
    for email in (known, fresh):
        s = requests.Session()
        token = csrf_from(s.get(base + "/inscription-candidat").text)
        data = {"csrf": token, "email": email, "name": "Qui Sait", "password": PASSWORD, "password_confirm": PASSWORD,
                **{k: str(v) for k, v in profile().items()}}
        r = s.post(base + "/inscription-candidat", data=data, allow_redirects=False)
        page = re.sub(r'value="[A-Za-z0-9_-]{43}"', 'value=""', text(r).replace(email, "ADRESSE"))
        answers.append((r.status_code, page))
        api = requests.post(base + "/api/v1/candidates", json={"email": email, "name": "Qui Sait",
                                                                "password": PASSWORD, **profile()})
        answers.append((api.status_code, api.text))
    assert answers[0] == answers[2] and answers[0][0] == 200, answers[0][0]
    assert answers[1] == answers[3] and answers[1][0] == 202, answers[1]
    # The owner of the known address is told by email, and nothing was created for them.
    body = wait_mail(known, "déjà un compte")
    assert "/connexion" in body and "/mot-de-passe-oublie" in body
    assert sql_int(f"SELECT COUNT(*) FROM people WHERE email = '{known}'") == 1
    assert sql_int(f"SELECT COUNT(*) FROM memberships m JOIN people p ON p.id = m.person_id "
                   f"WHERE p.email = '{known}' AND m.role = 'candidate'") == 0
    # The new address gets its link (and another on the API's second try, the account being still unconfirmed).
    assert "/inscription/confirmer/" in wait_mail(fresh, "Confirmez votre inscription")


def test_bad_registration_names_each_field_in_french(base):
    s = requests.Session()
    token = csrf_from(s.get(base + "/inscription-candidat").text)
    bad = {"csrf": token, "email": "pas-une-adresse", "name": "", "password": "court", "password_confirm": "court",
           "birth_date": "2004-02-30", "commune_code": "99999", "qualification_level": "bac",
           "seeking_since": datetime.date.today().replace(year=datetime.date.today().year + 1).isoformat(),
           "priority_area": "lune", "max_distance_km": "201", "available_from": "demain",
           "wished_profiles": ["999999"]}
    r = s.post(base + "/inscription-candidat", data=bad, allow_redirects=False)
    assert r.status_code == 422
    errors = summary(r)
    expected = {"email": "« Adresse électronique »", "name": "« Prénom et nom »", "password": "« Mot de passe »",
                "birth_date": "« Date de naissance »", "commune_code": "« Commune de résidence",
                "qualification_level": "« Niveau de qualification »", "priority_area": "« Zone prioritaire",
                "max_distance_km": "« Distance maximale", "available_from": "« Disponible à partir du »",
                "wished_profiles": "« Métiers souhaités »"}
    for field, label in expected.items():
        assert field in errors, (field, errors)
        assert label in errors[field], (field, errors[field])
    assert text(r).count('aria-invalid="true"') >= 8
    assert "<title>Erreur :" in r.text
    # The values typed come back, never the password.
    assert 'value="pas-une-adresse"' in r.text and 'value="court"' not in r.text

    # The API answers the same field errors.
    body = {k: v for k, v in bad.items() if k != "csrf"}
    body["max_distance_km"] = 0
    p = assert_problem(requests.post(base + "/api/v1/candidates", json=body), 422)
    fields = {e["field"] for e in p["errors"]}
    assert set(expected) <= fields, fields
    assert "1 et 200" in field_message(p, "max_distance_km")
    # A future seeking date after a valid birth date; the confirmation when sent.
    p = assert_problem(requests.post(base + "/api/v1/candidates", json={
        "email": unique_email(), "name": "X", "password": PASSWORD, "password_confirm": PASSWORD + "!",
        **profile(seeking_since="2099-01-01")}), 422)
    assert {e["field"] for e in p["errors"]} == {"password_confirm", "seeking_since"}, p
    assert "futur" in field_message(p, "seeking_since")
    p = assert_problem(requests.post(base + "/api/v1/candidates", json={"email": unique_email(), "name": "X"}), 422)
    assert {"password", "birth_date", "commune_code", "qualification_level"} <= {e["field"] for e in p["errors"]}


def test_an_email_registers_once(base):
    c = register_api(base)
    p = assert_problem(requests.post(base + "/api/v1/candidates", json={
        "email": c["_email"].upper(), "name": "Doublon", "password": PASSWORD, **profile()}, headers=admin_bearer()),
        422, "email")
    assert "existe déjà" in field_message(p, "email")
    assert sql_int(f"SELECT COUNT(*) FROM people WHERE email = '{c['_email']}'") == 1


def test_the_api_registration_answers_the_profile(base):
    jp = sql("SELECT id FROM job_profiles WHERE active = 1 ORDER BY id").splitlines()
    c = register_api(base, wished_profiles=[int(jp[1]), int(jp[0]), int(jp[0])], hidden=True, digital_diploma=True)
    assert c["email"] == c["_email"] and c["commune_name"] == "Crest" and c["region_code"] == "84"
    assert c["wished_profiles"] == sorted([int(jp[0]), int(jp[1])])
    assert c["hidden"] is True and c["digital_diploma"] is True and c["rqth"] is False
    assert c["qualification_label"].startswith("Niveau 3") and "ancien niveau V" in c["qualification_label"]
    assert c["version"] == 1 and c["cv"] is None and c["followers"] == []
    assert isinstance(c["latitude"], float) and isinstance(c["longitude"], float)
    # A job profile that is not offered any more is refused.
    sql(f"UPDATE job_profiles SET active = 0 WHERE id = {jp[-1]}")
    try:
        assert_problem(requests.post(base + "/api/v1/candidates", json={
            "email": unique_email(), "name": "X", "password": PASSWORD, **profile(wished_profiles=[int(jp[-1])])},
            headers=admin_bearer()), 422, "wished_profiles")
    finally:
        sql(f"UPDATE job_profiles SET active = 1 WHERE id = {jp[-1]}")


def test_a_signed_in_person_cannot_register_again(base, sessions):
    s = sessions["prescriber"]
    r = s.post(base + "/api/v1/candidates", json={"email": unique_email(), "name": "X", "password": PASSWORD,
                                                 **profile()})
    assert_problem(r, 403)
    r = s.get(base + "/inscription-candidat", allow_redirects=False)
    assert r.status_code == 303


# ---- the profile -------------------------------------------------------------------------------------------------


def test_a_candidate_without_profile_fills_it_in(base, make_account, login):
    p = make_account("candidate", password=PASSWORD)
    s = login(p["_email"], PASSWORD)
    r = s.get(base + "/candidat")
    assert r.status_code == 200 and "Complétez votre profil" in text(r)
    assert_problem(s.get(base + "/api/v1/candidates/me"), 404)
    data = {"csrf": csrf_from(r.text), "version": "0", **{k: str(v) for k, v in profile().items()}}
    r = s.post(base + "/candidat", data=data, allow_redirects=False)
    assert r.status_code == 303, text(r)[:2000]
    me = s.get(base + "/api/v1/candidates/me").json()
    assert me["version"] == 1 and me["birth_date"] == "2004-03-01"
    # Creating it twice is a stale form.
    r = s.post(base + "/candidat", data=data, allow_redirects=False)
    assert r.status_code == 409 and "Rien n'a été changé" in text(r)


def test_the_profile_is_saved_with_a_version_check(base):
    c = register_api(base)
    s = c["_s"]
    token = page_csrf(s, base, "/candidat")
    r = s.patch(base + "/api/v1/candidates/me", json={"version": 1, "max_distance_km": 120, "priority_area": "zrr"},
                headers={"X-CSRF-Token": token})
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2 and r.json()["max_distance_km"] == 120 and r.json()["priority_area"] == "zrr"
    assert r.json()["birth_date"] == "2004-03-01"
    p = assert_problem(s.patch(base + "/api/v1/candidates/me", json={"version": 1, "max_distance_km": 10},
                               headers={"X-CSRF-Token": token}), 409)
    assert "changé" in p["detail"]
    assert_problem(s.patch(base + "/api/v1/candidates/me", json={"max_distance_km": 10},
                           headers={"X-CSRF-Token": token}), 422, "version")
    # The page's form carries the version too.
    r = s.get(base + "/candidat")
    assert 'name="version" value="2"' in r.text
    data = {"csrf": csrf_from(r.text), "version": "1", **{k: str(v) for k, v in profile().items()}}
    assert s.post(base + "/candidat", data=data, allow_redirects=False).status_code == 409
    data["version"] = "2"
    data["max_distance_km"] = "500"
    r = s.post(base + "/candidat", data=data, allow_redirects=False)
    assert r.status_code == 422 and "max_distance_km" in summary(r)
    data["max_distance_km"] = "25"
    r = s.post(base + "/candidat", data=data, allow_redirects=False)
    assert r.status_code == 303
    assert s.get(base + "/api/v1/candidates/me").json()["max_distance_km"] == 25
    # Only candidates have this page; a structure is refused.
    assert s.get(base + "/candidat").status_code == 200


def test_the_candidate_page_is_for_candidates(base, sessions):
    assert sessions["employer"].get(base + "/candidat").status_code == 403
    assert requests.get(base + "/candidat", allow_redirects=False).headers["location"].startswith("/connexion")


# ---- the CV ------------------------------------------------------------------------------------------------------


def test_the_cv_is_a_pdf_checked_by_its_content(base):
    c = register_api(base)
    s = c["_s"]
    r = upload(base, s, b"Ceci est un CV en texte, pas un PDF.\n", name="mon-cv.pdf")
    assert r.status_code == 422
    errors = summary(r)
    assert "cv" in errors and "« CV »" in errors["cv"] and "PDF" in errors["cv"]
    assert 'id="cv-desc-error"' in r.text
    # A PDF header without its end is not a whole PDF either.
    assert upload(base, s, b"%PDF-1.4\n" + b"x" * 3000).status_code == 422
    # 5 MB + 1 byte: refused; 5 MB exactly: accepted.
    r = upload(base, s, pdf_of(MB5 + 1))
    assert r.status_code == 422 and "5 Mo" in summary(r)["cv"]
    assert sql(f"SELECT COALESCE(cv_size, 0) FROM candidates WHERE person_id = {c['id']}") == "0"
    r = upload(base, s, pdf_of(MB5), name="../../gros cv.pdf")
    assert r.status_code == 303, text(r)[:1000]
    r = upload(base, s, PDF, name="Curriculum vitæ.pdf", ctype="application/octet-stream")
    assert r.status_code == 303
    me = s.get(base + "/api/v1/candidates/me").json()
    assert me["cv"]["name"] == "Curriculum vitæ.pdf" and me["cv"]["size"] == len(PDF)
    r = s.get(base + "/candidat/cv")
    assert r.status_code == 200 and r.content == PDF
    assert r.headers["content-type"].startswith("application/pdf")
    assert r.headers["content-disposition"].startswith("attachment")
    assert "Curriculum vitæ.pdf" in text(s.get(base + "/candidat"))


def test_the_cv_is_read_by_those_who_may_read_the_profile(base, prescriber, other_prescriber, sessions):
    c = register_api(base)
    assert upload(base, c["_s"], PDF).status_code == 303
    other = register_api(base)
    assert_problem(other["_s"].get(base + f"/api/v1/candidates/{c['id']}/cv"), 404)
    assert_problem(prescriber.get(base + f"/api/v1/candidates/{c['id']}/cv"), 404)
    follow(base, prescriber, c["_email"])
    r = prescriber.get(base + f"/api/v1/candidates/{c['id']}/cv")
    assert r.status_code == 200 and r.content == PDF
    assert prescriber.get(base + f"/prescripteur/candidats/{c['id']}/cv").content == PDF
    assert other_prescriber.get(base + f"/prescripteur/candidats/{c['id']}/cv").status_code == 404
    # National officers read a person's data once they have a contract; admins (the operator) always.
    assert_problem(sessions["national"].get(base + f"/api/v1/candidates/{c['id']}/cv"), 404)
    assert sessions["admin"].get(base + f"/api/v1/candidates/{c['id']}/cv").status_code == 200
    assert_problem(sessions["employer"].get(base + f"/api/v1/candidates/{c['id']}/cv"), 404)
    assert_problem(requests.get(base + f"/api/v1/candidates/{c['id']}/cv"), 401)


# ---- prescribers -------------------------------------------------------------------------------------------------


def test_following_by_email_is_a_request_the_candidate_accepts(base, prescriber, wait_mail):
    c = register_api(base)
    cid = c["id"]
    request_follow(base, prescriber, c["_email"].upper())
    assert "demande à suivre votre profil" in wait_mail(c["_email"], "demande à suivre")
    # Before the candidate answers, the prescriber sees nothing of them.
    assert_problem(prescriber.get(base + f"/api/v1/candidates/{cid}"), 404)
    assert prescriber.get(base + f"/prescripteur/candidats/{cid}").status_code == 404
    assert_problem(prescriber.get(base + f"/api/v1/candidates/{cid}/eligibility"), 404)
    assert cid not in [i["id"] for i in prescriber.get(base + "/api/v1/prescriber/candidates").json()["items"]]
    assert c["name"] not in text(prescriber.get(base + "/prescripteur"))
    # The candidate sees the request on their page and accepts it.
    page = text(c["_s"].get(base + "/candidat"))
    assert ML_ORG in page and "demande à suivre votre profil" in page and "Accepter la demande" in page
    accept_requests(base, c["_s"])
    page = text(prescriber.get(base + "/prescripteur"))
    assert c["name"] in page and "Candidats suivis" in page
    page = text(prescriber.get(base + f"/prescripteur/candidats/{cid}"))
    assert c["name"] in page and "Crest (26108)" in page and "Établir un diagnostic" in page
    followers = c["_s"].get(base + "/api/v1/candidates/me").json()["followers"]
    assert [(f["organisation_name"], f["state"]) for f in followers] == [(ML_ORG, "accepted")]
    assert cid in [i["id"] for i in prescriber.get(base + "/api/v1/prescriber/candidates").json()["items"]]
    # Asking again changes nothing.
    request_follow(base, prescriber, c["_email"])
    assert sql_int(f"SELECT COUNT(*) FROM candidate_followers WHERE candidate_id = {cid}") == 1


def test_the_answer_never_tells_whether_an_email_is_a_candidates(base, prescriber):
    c = register_api(base)
    hidden = register_api(base, hidden=True)
    token = page_csrf(prescriber, base, "/prescripteur")
    answers = []
    for email in (c["_email"], hidden["_email"], unique_email("nobody"), DEMO_ACCOUNTS["admin"]):
        r = prescriber.post(base + "/prescripteur/suivre", data={"csrf": token, "email": email},
                            allow_redirects=False)
        api = prescriber.post(base + "/api/v1/prescriber/candidates", json={"email": email},
                              headers={"X-CSRF-Token": token})
        answers.append((r.status_code, r.headers.get("location"), api.status_code, api.text))
    assert len(set(answers)) == 1, answers
    assert answers[0][:3] == (303, "/prescripteur", 202)
    assert "Si un candidat visible a cette adresse" in text(prescriber.get(base + "/prescripteur"))
    # Only the visible candidate got a request; a malformed address is still a field error.
    assert sql_int(f"SELECT COUNT(*) FROM candidate_followers WHERE candidate_id = {c['id']}") == 1
    assert sql_int(f"SELECT COUNT(*) FROM candidate_followers WHERE candidate_id = {hidden['id']}") == 0
    r = prescriber.post(base + "/prescripteur/suivre", data={"csrf": token, "email": "pas-une-adresse"})
    assert r.status_code == 422 and "email" in summary(r)


def test_a_hidden_candidate_gets_no_request_until_shown(base, prescriber):
    c = register_api(base, hidden=True)
    token = page_csrf(prescriber, base, "/prescripteur")
    assert prescriber.post(base + "/api/v1/prescriber/candidates", json={"email": c["_email"]},
                           headers={"X-CSRF-Token": token}).status_code == 202
    assert sql_int(f"SELECT COUNT(*) FROM candidate_followers WHERE candidate_id = {c['id']}") == 0
    # Shown again, they can be asked.
    s = c["_s"]
    r = s.patch(base + "/api/v1/candidates/me", json={"version": 1, "hidden": False},
                headers={"X-CSRF-Token": page_csrf(s, base, "/candidat")})
    assert r.status_code == 200 and r.json()["hidden"] is False
    r = prescriber.post(base + "/api/v1/prescriber/candidates", json={"email": c["_email"]},
                        headers={"X-CSRF-Token": token})
    assert r.status_code == 202 and r.json()["status"] == "requested"
    assert sql(f"SELECT state FROM candidate_followers WHERE candidate_id = {c['id']}") == "requested"


def test_a_declined_request_opens_nothing_and_cannot_be_repeated(base, prescriber, wait_mail):
    c = register_api(base)
    s = c["_s"]
    request_follow(base, prescriber, c["_email"])
    org = org_id(ML_ORG)
    r = s.post(base + f"/candidat/suivis/{org}/retirer", data={"csrf": page_csrf(s, base, "/candidat")},
               allow_redirects=False)
    assert r.status_code == 303
    assert prescriber.get(base + f"/prescripteur/candidats/{c['id']}").status_code == 404
    assert ML_ORG not in text(s.get(base + "/candidat"))
    # Asked again: no new request, no email.
    request_follow(base, prescriber, c["_email"])
    assert sql(f"SELECT state FROM candidate_followers WHERE candidate_id = {c['id']}") == "declined"
    assert sql_int(f"SELECT COUNT(*) FROM outbox WHERE recipient = '{c['_email']}' AND subject LIKE "
                   "'%demande à suivre%'") == 1
    # The candidate may still invite the organisation themself.
    r = s.post(base + "/api/v1/candidates/me/followers", json={"organisation_id": org},
               headers={"X-CSRF-Token": page_csrf(s, base, "/candidat")})
    assert r.status_code == 201 and [f["state"] for f in r.json()["followers"]] == ["accepted"]
    assert prescriber.get(base + f"/api/v1/candidates/{c['id']}").status_code == 200
    # An organisation that is not a prescriber cannot be invited.
    p = assert_problem(s.post(base + "/api/v1/candidates/me/followers",
                              json={"organisation_id": org_id("Les Ateliers numériques de la vallée de la Drôme")},
                              headers={"X-CSRF-Token": page_csrf(s, base, "/candidat")}), 422, "organisation_id")
    assert p["detail"]


def test_the_candidate_removes_a_follower(base, prescriber):
    c = register_api(base)
    s = c["_s"]
    follow(base, prescriber, c["_email"])
    assert prescriber.get(base + f"/api/v1/candidates/{c['id']}").status_code == 200
    r = s.delete(base + f"/api/v1/candidates/me/followers/{org_id(ML_ORG)}",
                 headers={"X-CSRF-Token": page_csrf(s, base, "/candidat")})
    assert r.status_code == 200 and [f["state"] for f in r.json()["followers"]] == ["declined"]
    assert_problem(prescriber.get(base + f"/api/v1/candidates/{c['id']}"), 404)
    assert_problem(prescriber.get(base + f"/api/v1/candidates/{c['id']}/matches"), 404)
    assert c["id"] not in [i["id"] for i in prescriber.get(base + "/api/v1/prescriber/candidates").json()["items"]]
    assert sql(f"SELECT action FROM journal WHERE entity = 'candidate' AND entity_id = {c['id']} ORDER BY id DESC "
               "LIMIT 1") == "follow_remove"
    # Nothing to remove twice.
    assert_problem(s.delete(base + f"/api/v1/candidates/me/followers/{org_id(ML_ORG)}",
                            headers={"X-CSRF-Token": page_csrf(s, base, "/candidat")}), 404)


def test_a_prescriber_of_another_organisation_is_refused(base, prescriber, other_prescriber, sessions):
    c = register_api(base)
    follow(base, prescriber, c["_email"])
    cid = c["id"]
    assert other_prescriber.get(base + f"/prescripteur/candidats/{cid}").status_code == 404
    assert c["name"] not in text(other_prescriber.get(base + f"/prescripteur/candidats/{cid}"))
    assert_problem(other_prescriber.get(base + f"/api/v1/candidates/{cid}"), 404)
    assert_problem(other_prescriber.get(base + f"/api/v1/candidates/{cid}/eligibility"), 404)
    token = page_csrf(other_prescriber, base, "/prescripteur")
    eav = sql_int("SELECT id FROM programmes WHERE code = 'EAV-EPN-2013'")
    assert_problem(other_prescriber.post(base + f"/api/v1/candidates/{cid}/eligibility",
                                         json={"programme_id": eav, "decision": "confirm"},
                                         headers={"X-CSRF-Token": token}), 404)
    r = other_prescriber.post(base + f"/prescripteur/candidats/{cid}/eligibilite",
                              data={"csrf": token, "programme_id": str(eav), "decision": "confirm"})
    assert r.status_code == 404
    assert c["name"] not in text(other_prescriber.get(base + "/prescripteur"))
    assert_problem(other_prescriber.delete(base + f"/api/v1/prescriber/candidates/{cid}",
                                           headers={"X-CSRF-Token": token}), 404)
    # Nor may a structure without an application, another candidate, or anyone anonymous: the same 404 as an id
    # that does not exist.
    assert_problem(sessions["employer"].get(base + f"/api/v1/candidates/{cid}"), 404)
    assert_problem(register_api(base)["_s"].get(base + f"/api/v1/candidates/{cid}"), 404)
    assert_problem(sessions["employer"].get(base + "/api/v1/candidates/999999999"), 404)
    assert_problem(requests.get(base + f"/api/v1/candidates/{cid}"), 401)
    # Pages of prescribers are theirs only.
    assert sessions["employer"].get(base + "/prescripteur").status_code == 403
    # The following prescriber and admins read it; national officers not before a contract.
    assert_problem(sessions["national"].get(base + f"/api/v1/candidates/{cid}"), 404)
    for s in (prescriber, sessions["admin"]):
        r = s.get(base + f"/api/v1/candidates/{cid}")
        assert r.status_code == 200 and r.json()["id"] == cid


def test_a_structure_reads_the_profile_of_its_applicants(base, sessions):
    c = register_api(base)
    cid = c["id"]
    assert_problem(sessions["employer"].get(base + f"/api/v1/candidates/{cid}"), 404)
    offer = structure_offer()
    sql("INSERT INTO applications (offer_id, candidate_id, state, created_at, updated_at, state_since, consented_at) "
        f"VALUES ({offer}, {cid}, 'new', 1700000000, 1700000000, 1700000000, 1700000000)")
    assert sessions["employer"].get(base + f"/api/v1/candidates/{cid}").status_code == 200


@pytest.mark.parametrize("state", ["proposed", "declined", "withdrawn", "obsolete"])
def test_a_proposal_not_accepted_opens_nothing(base, sessions, state):
    """Finding 1 of the security review: any application row, even a declined proposal, opened the profile."""
    c = register_api(base, rqth=True)
    assert upload(base, c["_s"], PDF).status_code == 303
    cid = c["id"]
    offer = structure_offer()
    app = sql_int("INSERT INTO applications (offer_id, candidate_id, state, origin, created_at, updated_at, "
                  f"state_since) VALUES ({offer}, {cid}, '{state}', 'structure', 1700000000, 1700000000, 1700000000) "
                  "RETURNING id")
    employer = sessions["employer"]
    assert_problem(employer.get(base + f"/api/v1/candidates/{cid}"), 404)
    assert_problem(employer.get(base + f"/api/v1/candidates/{cid}/cv"), 404)
    assert_problem(employer.get(base + f"/api/v1/candidates/{cid}/eligibility"), 404)
    # The structure sees its own proposal, without the candidate's email.
    got = employer.get(base + f"/api/v1/applications/{app}").json()
    assert got["candidate_email"] is None and got["state"] == state


def test_unfollowing_ends_the_access(base, prescriber):
    c = register_api(base)
    follow(base, prescriber, c["_email"])
    r = prescriber.post(base + f"/prescripteur/candidats/{c['id']}/ne-plus-suivre",
                        data={"csrf": page_csrf(prescriber, base, "/prescripteur")}, allow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/prescripteur"
    assert prescriber.get(base + f"/prescripteur/candidats/{c['id']}").status_code == 404
    assert sql(f"SELECT action FROM journal WHERE entity = 'candidate' AND entity_id = {c['id']} ORDER BY id DESC "
               "LIMIT 1") == "unfollow"


# ---- data and deletion (GDPR) ------------------------------------------------------------------------------------


def test_a_candidate_downloads_their_data(base, prescriber):
    c = register_api(base)
    s = c["_s"]
    follow(base, prescriber, c["_email"])
    r = s.get(base + "/candidat/donnees")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    assert "attachment" in r.headers["content-disposition"]
    data = r.json()
    assert data["person"]["email"] == c["_email"] and data["person"]["id"] == c["id"]
    assert data["profile"]["birth_date"] == "2004-03-01"
    assert [(f["organisation_name"], f["state"]) for f in data["profile"]["followers"]] == [(ML_ORG, "accepted")]
    assert data["memberships"][0]["role"] == "candidate"
    for key in ("eligibility_diagnoses", "applications", "contracts", "journal"):
        assert isinstance(data[key], list), key
    assert {"follow_request", "follow_accept"} <= {e["action"] for e in data["journal"]}
    assert "password_hash" not in json.dumps(data)
    api = s.get(base + "/api/v1/candidates/me/export").json()
    assert api["person"] == data["person"] and api["profile"]["id"] == c["id"]
    # Nobody else downloads them.
    assert prescriber.get(base + "/candidat/donnees").status_code == 403


def structure_offer():
    """An open offer of the demo structure (a validated dossier of the 2013 programme), made in SQL."""
    org = org_id("Les Ateliers numériques de la vallée de la Drôme")
    eav = sql_int("SELECT id FROM programmes WHERE code = 'EAV-EPN-2013'")
    jp = sql_int(f"SELECT id FROM job_profiles WHERE programme_id = {eav} ORDER BY id LIMIT 1")
    dossier = sql_int("INSERT INTO dossiers (programme_id, organisation_id, state, region_code, created_at, "
                      "updated_at, state_since, place_id, posts_granted) VALUES "
                      f"({eav}, {org}, 'validated', '84', 1700000000, 1700000000, 1700000000, "
                      f"'demo-ateliers-numeriques-crest', 2) RETURNING id")
    return sql_int("INSERT INTO offers (dossier_id, organisation_id, programme_id, job_profile_id, place_id, "
                   "commune_code, departement_code, region_code, title, start_on, contract_type, weekly_hours, "
                   "description, posts, state, created_at, updated_at) VALUES "
                   f"({dossier}, {org}, {eav}, {jp}, 'demo-ateliers-numeriques-crest', '26108', '26', '84', "
                   f"'{unique('Offre ')}', '2026-03-01', 'CDD', 35, 'Description', 1, 'open', 1700000000, "
                   "1700000000) RETURNING id")


def test_deleting_an_account_erases_the_profile(base, prescriber, login):
    c = register_api(base)
    s, cid, email = c["_s"], c["id"], c["_email"]
    assert upload(base, s, PDF).status_code == 303
    follow(base, prescriber, email)
    eav = sql_int("SELECT id FROM programmes WHERE code = 'EAV-EPN-2013'")
    r = prescriber.post(base + f"/api/v1/candidates/{cid}/eligibility", json={"programme_id": eav, "decision":
                        "confirm"}, headers={"X-CSRF-Token": page_csrf(prescriber, base, "/prescripteur")})
    assert r.status_code == 201, r.text
    offer = structure_offer()
    sql("INSERT INTO applications (offer_id, candidate_id, state, message, created_at, updated_at, state_since) "
        f"VALUES ({offer}, {cid}, 'new', 'Bonjour', 1700000000, 1700000000, 1700000000)")
    # Without the confirmation box, nothing happens.
    r = s.post(base + "/candidat/supprimer", data={"csrf": page_csrf(s, base, "/candidat")}, allow_redirects=False)
    assert r.status_code == 422 and "confirm" in summary(r)
    r = s.post(base + "/candidat/supprimer", data={"csrf": page_csrf(s, base, "/candidat"), "confirm": "1"},
               allow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert s.get(base + "/candidat", allow_redirects=False).status_code == 303  # signed out
    person = sql(f"SELECT name, email, COALESCE(password_hash, 'NULL'), active FROM people WHERE id = {cid}").split("|")
    assert person[0] == "Compte supprimé" and person[1].endswith(".invalid") and email not in person[1]
    assert person[2:] == ["NULL", "0"]
    # The profile row stays for the statistics, without what identifies (privacy_anonymise).
    assert sql(f"SELECT COALESCE(birth_date, 'NULL'), COALESCE(cv_size, 0), hidden FROM candidates WHERE person_id = "
               f"{cid}") == "NULL|0|1"
    for table, col in (("candidate_followers", "candidate_id"),
                       ("eligibility_diagnoses", "candidate_id"), ("applications", "candidate_id"),
                       ("memberships", "person_id"), ("sessions", "person_id")):
        assert sql_int(f"SELECT COUNT(*) FROM {table} WHERE {col} = {cid}") == 0, table
    assert sql_int(f"SELECT COUNT(*) FROM outbox WHERE recipient = '{email}'") == 0
    detail = json.loads(sql(f"SELECT detail FROM journal WHERE entity = 'candidate' AND entity_id = {cid} AND "
                            "action = 'delete'"))
    assert detail["deleted_applications"] == 1 and detail["deleted_diagnoses"] == 1 and detail["kept_contracts"] == 0
    s2, r = post_login(base, email, PASSWORD)
    assert r.status_code == 422
    assert journal_verify().returncode == 0


def test_deleting_keeps_what_the_law_requires(base):
    c = register_api(base)
    s, cid = c["_s"], c["id"]
    assert upload(base, s, PDF).status_code == 303
    eav = sql_int("SELECT id FROM programmes WHERE code = 'EAV-EPN-2013'")
    cnfs = sql_int("SELECT id FROM programmes WHERE code = 'CNFS-2020'")
    offer, other_offer = structure_offer(), structure_offer()
    row = sql(f"SELECT dossier_id, organisation_id FROM offers WHERE id = {offer}").split("|")
    tutor = person_id(DEMO_ACCOUNTS["employer"])
    accepted = sql_int("INSERT INTO applications (offer_id, candidate_id, state, message, created_at, updated_at, "
                       f"state_since) VALUES ({offer}, {cid}, 'accepted', 'Motivé', 1700000000, 1700000000, "
                       "1700000000) RETURNING id")
    sql("INSERT INTO applications (offer_id, candidate_id, state, created_at, updated_at, state_since) VALUES "
        f"({other_offer}, {cid}, 'processing', 1700000000, 1700000000, 1700000000)")
    contract = sql_int("INSERT INTO contracts (application_id, offer_id, dossier_id, organisation_id, programme_id, "
                       "candidate_id, contract_type, start_on, end_on, weekly_hours, tutor_id, state, state_since, "
                       f"created_at, updated_at) VALUES ({accepted}, {offer}, {row[0]}, {row[1]}, {eav}, {cid}, 'CDD', "
                       f"'2026-03-01', '2027-02-28', 35, {tutor}, 'completed', 1700000000, 1700000000, 1700000000) "
                       "RETURNING id")
    diag = "INSERT INTO eligibility_diagnoses (candidate_id, programme_id, criteria, computed_eligible, eligible, " \
           "decided_on, valid_until, created_at) VALUES ({c}, {p}, '[]', 1, {e}, '{d}', '{u}', 1700000000) RETURNING id"
    used = sql_int(diag.format(c=cid, p=eav, e=1, d="2026-02-01", u="2026-08-01"))
    later = sql_int(diag.format(c=cid, p=eav, e=1, d="2026-04-01", u="2026-10-01"))
    other = sql_int(diag.format(c=cid, p=cnfs, e=1, d="2026-02-01", u="2026-08-01"))
    r = s.delete(base + "/api/v1/candidates/me", headers={"X-CSRF-Token": page_csrf(s, base, "/candidat")})
    assert r.status_code == 200 and r.json() == {"deleted": True}
    # Kept: the contract, the application it came from (without its message), the diagnosis it relied on.
    assert sql_int(f"SELECT COUNT(*) FROM contracts WHERE id = {contract}") == 1
    assert sql(f"SELECT state, COALESCE(message, 'NULL') FROM applications WHERE candidate_id = {cid}") == \
        "accepted|NULL"
    assert sql(f"SELECT id FROM eligibility_diagnoses WHERE candidate_id = {cid}") == str(used)
    # The profile row stays for them, emptied; the person is anonymised.
    assert sql(f"SELECT COALESCE(birth_date, 'NULL'), COALESCE(commune_code, 'NULL'), COALESCE(cv_size, 0), hidden "
               f"FROM candidates WHERE person_id = {cid}") == "NULL|NULL|0|1"
    assert sql(f"SELECT COUNT(*) FROM candidate_wished_profiles WHERE candidate_id = {cid}") == "0"
    assert sql(f"SELECT name, active FROM people WHERE id = {cid}") == "Compte supprimé|0"
    detail = json.loads(sql(f"SELECT detail FROM journal WHERE entity = 'candidate' AND entity_id = {cid} AND "
                            "action = 'delete'"))
    assert detail == {"kept_contracts": 1, "kept_diagnoses": 1, "kept_applications": 1, "deleted_diagnoses": 2,
                      "deleted_applications": 1, "cleared_notes": 0}
    # A second deletion finds nothing.
    assert sql_int(f"SELECT COUNT(*) FROM sessions WHERE person_id = {cid}") == 0
