"""Applications to job offers through the API and the pages: every transition for every role (allowed, forbidden,
stale), proposals of contact, duplicates, acceptance into a contract with tutor and sponsor (the candidate's other
pending applications become obsolete), the posts granted, the concurrent acceptance by two structures, the
eligibility a programme requires, the 60-day job with its injectable clock, and who sees what.

The prerequisites are built through the APIs where they exist: a validated dossier (/api/v1/dossiers and its
actions), an offer (POST /api/v1/dossiers/{id}/offers) and a candidate (POST /api/v1/candidates); when a route is
not in the platform yet (GET /api/v1/openapi.json lists them), the row is inserted with SQL instead. Eligibility
diagnoses are inserted with SQL (a valid one for every candidate, unless a test asks for none)."""
import datetime
import re
import threading
import time

import pytest
import requests

from conftest import DEMO_ACCOUNTS, csrf_from, org_id, person_id, run_cli, sql, sql_int, text, unique, unique_email

PLACE = "demo-ateliers-numeriques-crest"  # the demo structure's EPN, in Crest (Drôme, region 84)
DEMO_ORG = "Les Ateliers numériques de la vallée de la Drôme"
ML_ORG = "Mission locale Vallée de la Drôme"
STALE = "a changé depuis votre lecture"
START = "2027-01-04"
END = "2028-01-03"  # 12 months, the 2013 programme's shortest contract
PASSWORD = "mot-de-passe-solide-2026"

STATES = ["proposed", "new", "processing", "interview", "accepted", "refused", "withdrawn", "declined", "obsolete"]
PENDING = {"new", "processing", "interview"}
# The transition table of DESIGN.md as the tests read it: action -> (from states, the party who takes it, to).
TABLE = {
    "accept_proposal": ({"proposed"}, "candidate", "new"),
    "decline_proposal": ({"proposed"}, "candidate", "declined"),
    "process": ({"new"}, "structure", "processing"),
    "interview": ({"new", "processing", "interview"}, "structure", "interview"),
    "accept_interview": ({"interview"}, "candidate", "interview"),
    "ask_other_interview": ({"interview"}, "candidate", "interview"),
    "accept": (PENDING, "structure", "accepted"),
    "refuse": (PENDING, "structure", "refused"),
    "withdraw": (PENDING | {"proposed"}, "candidate", "withdrawn"),
    "reapply": ({"withdrawn"}, "candidate", "new"),
}
# The payloads the actions need (an interview: its day, time and place).
INTERVIEW = {"interview_on": "2027-01-06", "interview_time": "14:30", "interview_place": "12 rue des Ateliers, Crest"}
PAYLOADS = {"interview": INTERVIEW, "ask_other_interview": {"interview_reply": "Le mardi après-midi"}}
ACTIONS = list(TABLE)
# Who tries: the application's candidate and another one, the offer's structure and another one, the
# prescriber (not following the candidate), the pole and the regional officer of the offer's region, a regional
# officer of another region, the national delegation, an administrator, a sponsor.
ACTORS = ["candidate", "candidate_other", "employer", "employer_other", "prescriber", "pole", "regional",
          "regional_other", "national", "admin", "sponsor"]
# National officers, the pole and the regional officer read a person's application only once it made a contract
# of their scope.
READERS = {"candidate", "employer", "admin"}
PARTY = {"candidate": "candidate", "employer": "structure"}


def expected(actor, state, action):
    """The status the API must answer: 200, 404 (not in scope: it does not exist for them), 403 (not the actor's
    move) or 409 (not now)."""
    if actor not in READERS | ({"national", "pole", "regional"} if state == "accepted" else set()):
        return 404
    froms, party, _ = TABLE[action]
    if PARTY.get(actor) != party:
        return 403
    return 200 if state in froms else 409


def assert_problem(r, status, field=None):
    assert r.status_code == status, (r.status_code, r.text[:1500])
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers.get("content-type")
    p = r.json()
    assert p["status"] == status and p["title"] and p["detail"]
    if field is not None:
        assert field in [e["field"] for e in p["errors"]], p
    return p


def field_message(p, field):
    return next(e["message"] for e in p["errors"] if e["field"] == field)


def bearer(email):
    """A requests.Session with a new API token of the account EMAIL (`tremplin token create`)."""
    r = run_cli("token", "create", email, unique("tests-"))
    assert r.returncode == 0, r.stderr
    s = requests.Session()
    s.headers["Authorization"] = "Bearer " + r.stdout.strip()
    return s


def q(value):
    """VALUE as an SQL literal (tests only: values are the tests' own)."""
    if value is None:
        return "NULL"
    if isinstance(value, (int, float)):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def day(epoch, days=0):
    """The UTC date of EPOCH moved by DAYS, as YYYY-MM-DD (the clock of `tremplin jobs run --now`)."""
    return (datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).date()
            + datetime.timedelta(days=days)).isoformat()


def drain_outbox(timeout=180):
    """Waits until the outbox has sent what is queued: a job run at a moment of the future tells everybody whose
    application or contract it touched, and the tests after it should not wait behind those emails."""
    deadline = time.monotonic() + timeout
    while sql_int("SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND attempts = 0") > 0:
        assert time.monotonic() < deadline, "the outbox did not send its queue in time"
        time.sleep(0.5)


# ---------------------------------------------------------------------------------------------
# The platform as the tests build it


class Recruitment:
    """Builds dossiers, offers, candidates and applications, through the APIs when they exist."""

    def __init__(self, base, api, make_account):
        self.base, self.api, self.make_account = base, api, make_account
        paths = requests.get(base + "/api/v1/openapi.json").json().get("paths", {})
        self.offers_api = "/api/v1/dossiers/{id}/offers" in paths
        self.candidates_api = "/api/v1/candidates" in paths
        items = requests.get(base + "/api/v1/programmes").json()["items"]
        self.eav = requests.get(
            base + f"/api/v1/programmes/{next(x['id'] for x in items if x['code'] == 'EAV-EPN-2013')}").json()
        self.profile_id = next(j["id"] for j in self.eav["job_profiles"] if j["code"] == "forgeur-numerique")
        self.pole_id = next(x["id"] for x in self.eav["poles"] if x["code"] == "centre-est")
        self.sessions, self.places = {}, {}
        self.demo_org = org_id(DEMO_ORG)

    def who(self, email):
        if email not in self.sessions:
            self.sessions[email] = bearer(email)
        return self.sessions[email]

    def structure(self):
        """A new employer organisation with one employer account: (org id, email)."""
        r = self.api.post(self.base + "/api/v1/organisations", json={"name": unique("EPN "), "kind": "employer"})
        assert r.status_code == 201, r.text
        org = r.json()["id"]
        return org, self.make_account("employer", organisation_id=org, name=unique("Tuteur "))["_email"]

    def place(self, employer):
        """A place of EMPLOYER's structure in Crest (region 84), made once through the API: a dossier and its
        offers name one of their structure's own places."""
        if employer == DEMO_ACCOUNTS["employer"]:
            return PLACE
        if employer in self.places:
            return self.places[employer]
        r = self.who(employer).post(self.base + "/api/v1/places", json={
            "pivot": "43493312300029", "nom": unique("EPN de la structure "), "commune": "Crest",
            "code_postal": "26400", "code_insee": "26108", "adresse": f"{unique('')} rue de la Tour",
            "services": "Aide aux démarches administratives"})
        assert r.status_code == 201, r.text
        self.places[employer] = r.json()["id"]
        return self.places[employer]

    def dossier(self, employer=DEMO_ACCOUNTS["employer"], posts=1, decide=True):
        """A dossier of EMPLOYER's structure, validated with POSTS posts granted (DECIDE false: left waiting for
        the national decision)."""
        body = {
            "programme_id": self.eav["id"], "place_id": self.place(employer), "employer_category": "association",
            "contact_name": "Sébastien Structure", "contact_email": employer, "contact_phone": "04 75 00 00 00",
            "project": "Recruter un forgeur numérique pour le fablab.", "job_profile_id": self.profile_id,
            "netpublic": True, "listed_national": True, "tutor_name": "Anne Tutrice",
            "tutor_qualities": "Animatrice multimédia depuis dix ans", "sponsor_name": "Paul Parrain",
            "sponsor_qualities": "Gérant d'une entreprise de services numériques",
            "company_name": "Valence Informatique Services", "company_siret": "73282932000074",
            "company_activity": "Services informatiques", "pole_id": self.pole_id,
            "training_path": "Prise de poste, puis fabrication numérique.", "development_project": "Un fablab.",
            "posts_requested": posts, "signed_on": "2025-09-01", "signatory": "La présidente",
        }
        r = self.who(employer).post(self.base + "/api/v1/dossiers", json=body)
        assert r.status_code == 201, r.text
        d = r.json()
        for email, action, payload in [
            (employer, "submit", {}),
            (DEMO_ACCOUNTS["regional"], "give_opinion", {"opinion": "favourable"}),
            (DEMO_ACCOUNTS["national"], "validate", {"posts_granted": posts}),
        ][:3 if decide else 2]:
            r = self.who(email).post(self.base + f"/api/v1/dossiers/{d['id']}/actions/{action}",
                                     json={"version": d["version"], **payload})
            assert r.status_code == 200, (action, r.text[:1000])
            d = r.json()
        if not decide:
            assert d["state"] == "national_review"
            return d
        assert d["state"] == "validated"
        return d["id"]

    def offer(self, dossier, employer=DEMO_ACCOUNTS["employer"], posts=1, title=None):
        """An open offer of POSTS posts on DOSSIER (validated)."""
        title = title or unique("Forgeur numérique ")
        body = {"title": title, "job_profile_id": self.profile_id, "place_id": self.place(employer), "start_on": START,
                "contract_type": "CDD", "duration_months": 12, "weekly_hours": 35, "posts": posts,
                "description": "Animer le fablab et accompagner les usagers.",
                "how_to_apply": "Candidatez sur la plateforme."}
        if self.offers_api:
            r = self.who(employer).post(self.base + f"/api/v1/dossiers/{dossier}/offers", json=body)
            assert r.status_code == 201, r.text
            return r.json()["id"]
        org = sql_int(f"SELECT organisation_id FROM dossiers WHERE id = {dossier}")
        return sql_int(
            "INSERT INTO offers (dossier_id, organisation_id, programme_id, job_profile_id, place_id, commune_code, "
            "departement_code, region_code, latitude, longitude, title, start_on, contract_type, duration_months, "
            "weekly_hours, description, how_to_apply, posts, state, created_at, updated_at) VALUES "
            f"({dossier}, {org}, {self.eav['id']}, {self.profile_id}, {q(PLACE)}, '26108', '26', '84', 44.728, "
            f"5.022, {q(title)}, {q(START)}, 'CDD', 12, 35, {q(body['description'])}, {q(body['how_to_apply'])}, "
            f"{posts}, 'open', 1700000000, 1700000000) RETURNING id")

    def candidate(self, eligible=True, profile=True):
        """A candidate account (with a profile unless PROFILE is false, and a valid eligibility diagnosis for the
        2013 programme when ELIGIBLE): {id, email, name, s (an API session)}."""
        email, name = unique_email("cand"), unique("Jeune ")
        if profile and self.candidates_api:
            r = self.api.post(self.base + "/api/v1/candidates", json={
                "email": email, "name": name, "password": PASSWORD, "birth_date": "2003-05-17",
                "commune_code": "26108", "qualification_level": "3", "seeking_since": "2025-01-06",
                "max_distance_km": 40, "available_from": "2026-12-01"})
            assert r.status_code == 201, r.text
            pid = person_id(email)
        else:
            pid = self.make_account("candidate", password=PASSWORD, email=email, name=name)["id"]
            if profile:
                sql("INSERT INTO candidates (person_id, birth_date, commune_code, created_at, updated_at) VALUES "
                    f"({pid}, '2003-05-17', '26108', 1700000000, 1700000000)")
        if eligible and profile:
            self.diagnose(pid)
        return {"id": pid, "email": email, "name": name, "s": self.who(email)}

    def diagnose(self, candidate, eligible=1, decided_on="2026-01-05", valid_until="2030-01-05"):
        sql("INSERT INTO eligibility_diagnoses (candidate_id, programme_id, organisation_id, prescriber_id, criteria, "
            "computed_eligible, eligible, decided_on, valid_until, created_at) VALUES "
            f"({candidate}, {self.eav['id']}, {org_id(ML_ORG)}, {person_id(DEMO_ACCOUNTS['prescriber'])}, '{{}}', "
            f"{eligible}, {eligible}, {q(decided_on)}, {q(valid_until)}, 1700000000)")

    def apply(self, cand, offer, message="Je suis passionné de fabrication numérique."):
        r = cand["s"].post(self.base + f"/api/v1/offers/{offer}/applications", json={"message": message})
        assert r.status_code == 201, r.text
        return r.json()

    def propose(self, employer, offer, cand, message="Votre profil nous intéresse."):
        r = self.who(employer).post(self.base + f"/api/v1/offers/{offer}/proposals",
                                    json={"candidate_id": cand["id"], "message": message})
        assert r.status_code == 201, r.text
        return r.json()

    def get(self, app_id, email=DEMO_ACCOUNTS["admin"]):
        r = self.who(email).get(self.base + f"/api/v1/applications/{app_id}")
        assert r.status_code == 200, r.text
        return r.json()

    def act(self, session, app_id, action, version=None, **payload):
        if version is None:
            version = self.get(app_id)["version"]
        return session.post(self.base + f"/api/v1/applications/{app_id}/actions/{action}",
                            json={"version": version, **payload})

    def terms(self, tutor_email=DEMO_ACCOUNTS["employer"], **over):
        body = {"start_on": START, "end_on": END, "tutor_id": person_id(tutor_email),
                "tutor_experience": "Dix ans d'animation multimédia", "sponsor_name": "Paul Parrain",
                "sponsor_contact": "paul.parrain@exemple.fr"}
        body.update(over)
        return body

    def step(self, session, app_id, action, **payload):
        if action == "accept" and not payload:
            payload = self.terms()
        if action == "refuse" and not payload:
            payload = {"refusal_reason": "profile", "comment": "Nous cherchons un profil plus technique."}
        if not payload:
            payload = PAYLOADS.get(action, {})
        r = self.act(session, app_id, action, **payload)
        assert r.status_code == 200, (action, r.text[:1500])
        assert r.json()["state"] == TABLE[action][2]
        return r.json()


@pytest.fixture(scope="module")
def rc(base, api, make_account):
    return Recruitment(base, api, make_account)


@pytest.fixture(scope="module")
def demo_dossier(rc):
    """A dossier of the demo structure with many posts: the tests that do not count posts share it."""
    return rc.dossier(posts=40)


@pytest.fixture(scope="module")
def demo_offer(rc, demo_dossier):
    return rc.offer(demo_dossier, posts=20)


@pytest.fixture(scope="module")
def people(rc):
    """actor -> an API session; the candidate of each application is made per test."""
    org, other_employer = rc.structure()
    other_regional = rc.make_account("regional", regions="11")["_email"]
    cand_other = rc.candidate()
    emails = {"employer": DEMO_ACCOUNTS["employer"], "employer_other": other_employer,
              "prescriber": DEMO_ACCOUNTS["prescriber"], "pole": DEMO_ACCOUNTS["pole"],
              "regional": DEMO_ACCOUNTS["regional"], "regional_other": other_regional,
              "national": DEMO_ACCOUNTS["national"], "admin": DEMO_ACCOUNTS["admin"],
              "sponsor": DEMO_ACCOUNTS["sponsor"]}
    who = {actor: rc.who(email) for actor, email in emails.items()}
    who["candidate_other"] = cand_other["s"]
    return who


def bring(rc, offer, state):
    """A new candidate and their application to OFFER in STATE: (candidate, application)."""
    cand = rc.candidate()
    employer = rc.who(DEMO_ACCOUNTS["employer"])
    if state in ("proposed", "declined"):
        app = rc.propose(DEMO_ACCOUNTS["employer"], offer, cand)
        if state == "declined":
            app = rc.step(cand["s"], app["id"], "decline_proposal")
        return cand, app
    app = rc.apply(cand, offer)
    path = {"new": [], "processing": [("employer", "process")], "interview": [("employer", "interview")],
            "accepted": [("employer", "accept")], "refused": [("employer", "refuse")],
            "withdrawn": [("candidate", "withdraw")], "obsolete": []}[state]
    for actor, action in path:
        app = rc.step(employer if actor == "employer" else cand["s"], app["id"], action)
    if state == "obsolete":
        sql(f"UPDATE applications SET state = 'obsolete', version = version + 1 WHERE id = {app['id']}")
        app = rc.get(app["id"])
    assert app["state"] == state
    return cand, app


# ---------------------------------------------------------------------------------------------
# Every transition for every role


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", ACTIONS)
def test_each_transition_for_each_role(rc, people, demo_offer, state, action):
    cand, app = bring(rc, demo_offer, state)
    who = dict(people, candidate=cand["s"])
    allowed = None
    for actor in ACTORS:
        want = expected(actor, state, action)
        if want == 200:
            allowed = actor
            continue
        r = rc.act(who[actor], app["id"], action, version=app["version"])
        assert_problem(r, want)
        assert rc.get(app["id"])["version"] == app["version"], (actor, "a refused action changed the application")
    if allowed is None:
        return
    payload = dict(PAYLOADS, accept=rc.terms(), refuse={"refusal_reason": "interview"}).get(action, {})
    # A stale version changes nothing.
    r = rc.act(who[allowed], app["id"], action, version=app["version"] + 7, **payload)
    assert STALE in assert_problem(r, 409)["detail"]
    r = rc.act(who[allowed], app["id"], action, version=app["version"], **payload)
    assert r.status_code == 200, r.text[:1500]
    got = r.json()
    assert got["state"] == TABLE[action][2] and got["version"] == app["version"] + 1
    # The same move again, from the version read before, is stale or no longer possible.
    assert_problem(rc.act(who[allowed], app["id"], action, version=app["version"], **payload), 409)
    entries = [e for e in journal(rc, app["id"]) if e["action"] == action]
    assert entries and entries[0]["detail"]["from"] == state and entries[0]["detail"]["to"] == TABLE[action][2]


def journal(rc, entity_id, entity="application"):
    """The journal entries of ENTITY ENTITY_ID, newest first, read as SQL (the pages show them as the timeline)."""
    import json
    rows = sql(f"SELECT action, detail FROM journal WHERE entity = '{entity}' AND entity_id = {entity_id} "
               "ORDER BY id DESC")
    out = []
    for line in rows.splitlines():
        action, _, detail = line.partition("|")
        out.append({"action": action, "detail": json.loads(detail) if detail else None})
    return out


def test_the_actions_offered_are_those_of_the_reader(rc, people, demo_offer):
    cand, app = bring(rc, demo_offer, "new")
    assert [a["action"] for a in rc.get(app["id"], DEMO_ACCOUNTS["employer"])["actions"]] == [
        "process", "interview", "accept", "refuse"]
    r = cand["s"].get(rc.base + f"/api/v1/applications/{app['id']}")
    assert [a["action"] for a in r.json()["actions"]] == ["withdraw"]
    assert rc.get(app["id"], DEMO_ACCOUNTS["admin"])["actions"] == []
    accept = next(a for a in rc.get(app["id"], DEMO_ACCOUNTS["employer"])["actions"] if a["action"] == "accept")
    assert accept["payload"] == "contract"


def test_an_unknown_action_is_not_found(rc, people, demo_offer):
    cand, app = bring(rc, demo_offer, "new")
    assert_problem(rc.act(people["employer"], app["id"], "hire"), 404)


def test_an_action_without_version_is_a_problem_naming_it(rc, people, demo_offer):
    cand, app = bring(rc, demo_offer, "new")
    r = people["employer"].post(rc.base + f"/api/v1/applications/{app['id']}/actions/process", json={})
    assert_problem(r, 422, "version")


# ---------------------------------------------------------------------------------------------
# Applying and proposing


def test_a_candidate_applies_once(rc, demo_offer, mailbox):
    cand = rc.candidate()
    app = rc.apply(cand, demo_offer, message="Bonjour, je souhaite rejoindre votre fablab.")
    assert app["state"] == "new" and app["origin"] == "candidate" and app["candidate_id"] == cand["id"]
    assert app["message"] == "Bonjour, je souhaite rejoindre votre fablab."
    r = cand["s"].post(rc.base + f"/api/v1/offers/{demo_offer}/applications", json={"message": "Encore moi"})
    assert "déjà candidaté" in assert_problem(r, 409)["detail"]
    assert sql_int(f"SELECT COUNT(*) FROM applications WHERE candidate_id = {cand['id']}") == 1
    assert mailbox.wait_message(DEMO_ACCOUNTS["employer"], "Nouvelle candidature")


def test_only_candidates_apply_and_only_with_a_profile(rc, people, demo_offer):
    assert_problem(people["employer"].post(rc.base + f"/api/v1/offers/{demo_offer}/applications", json={}), 403)
    cand = rc.candidate(profile=False)
    r = cand["s"].post(rc.base + f"/api/v1/offers/{demo_offer}/applications", json={"message": "Bonjour"})
    assert "profil" in assert_problem(r, 422)["detail"]
    r = rc.candidate()["s"].post(rc.base + "/api/v1/offers/999999999/applications", json={})
    assert_problem(r, 404)
    r = rc.candidate()["s"].post(rc.base + f"/api/v1/offers/{demo_offer}/applications", json={"message": "x" * 4001})
    assert_problem(r, 422, "message")


def test_a_closed_offer_takes_no_application(rc, demo_dossier):
    offer = rc.offer(demo_dossier)
    sql(f"UPDATE offers SET state = 'closed' WHERE id = {offer}")
    r = rc.candidate()["s"].post(rc.base + f"/api/v1/offers/{offer}/applications", json={})
    assert "plus ouverte" in assert_problem(r, 409)["detail"]


def test_a_structure_proposes_a_contact_the_candidate_accepts(rc, people, demo_offer, mailbox):
    cand = rc.candidate()
    app = rc.propose(DEMO_ACCOUNTS["employer"], demo_offer, cand)
    assert app["state"] == "proposed" and app["origin"] == "structure"
    assert mailbox.wait_message(cand["email"], "vous propose un poste")
    r = people["employer"].post(rc.base + f"/api/v1/offers/{demo_offer}/proposals",
                                json={"candidate_id": cand["id"]})
    assert "déjà en relation" in assert_problem(r, 409)["detail"]
    got = rc.step(cand["s"], app["id"], "accept_proposal", message="Avec plaisir")
    assert got["state"] == "new" and got["message"] == "Avec plaisir"
    assert mailbox.wait_message(DEMO_ACCOUNTS["employer"], "Candidature")


def test_only_the_offer_s_structure_proposes(rc, people, demo_offer):
    cand = rc.candidate()
    r = people["employer_other"].post(rc.base + f"/api/v1/offers/{demo_offer}/proposals",
                                      json={"candidate_id": cand["id"]})
    assert_problem(r, 403)
    assert_problem(people["candidate_other"].post(rc.base + f"/api/v1/offers/{demo_offer}/proposals",
                                                  json={"candidate_id": cand["id"]}), 403)
    assert_problem(people["employer"].post(rc.base + f"/api/v1/offers/{demo_offer}/proposals", json={}), 422,
                   "candidate_id")
    hidden = rc.candidate()
    sql(f"UPDATE candidates SET hidden = 1 WHERE person_id = {hidden['id']}")
    assert_problem(people["employer"].post(rc.base + f"/api/v1/offers/{demo_offer}/proposals",
                                           json={"candidate_id": hidden["id"]}), 404)


def test_a_proposal_goes_only_to_a_candidate_the_matching_shows(rc, people, demo_offer):
    """Finding 1 of the security review: a proposal to any candidate id, then any application row, opened the whole
    profile. A structure proposes only to the people its offer's matching returns, and reads a profile only once
    the candidate accepted."""
    far = rc.candidate()
    sql(f"UPDATE candidates SET commune_code = '75056', latitude = 48.8566, longitude = 2.3522, max_distance_km = 10 "
        f"WHERE person_id = {far['id']}")
    p = assert_problem(people["employer"].post(rc.base + f"/api/v1/offers/{demo_offer}/proposals",
                                               json={"candidate_id": far["id"]}), 404)
    assert "ne figure pas parmi les candidats" in p["detail"]
    for guessed in (far["id"] + 100000, 1):
        assert_problem(people["employer"].post(rc.base + f"/api/v1/offers/{demo_offer}/proposals",
                                               json={"candidate_id": guessed}), 404)
    assert sql_int(f"SELECT COUNT(*) FROM applications WHERE candidate_id = {far['id']}") == 0
    # A matched candidate gets the proposal; their profile opens only when they accept it.
    near = rc.candidate()
    app = rc.propose(DEMO_ACCOUNTS["employer"], demo_offer, near)
    assert_problem(people["employer"].get(rc.base + f"/api/v1/candidates/{near['id']}"), 404)
    assert rc.get(app["id"], DEMO_ACCOUNTS["employer"])["candidate_email"] is None
    rc.step(near["s"], app["id"], "accept_proposal")
    assert people["employer"].get(rc.base + f"/api/v1/candidates/{near['id']}").status_code == 200
    assert rc.get(app["id"], DEMO_ACCOUNTS["employer"])["candidate_email"] == near["email"]


def test_a_declined_proposal_opens_nothing(rc, people, demo_offer):
    cand = rc.candidate()
    app = rc.propose(DEMO_ACCOUNTS["employer"], demo_offer, cand)
    rc.step(cand["s"], app["id"], "decline_proposal")
    assert_problem(people["employer"].get(rc.base + f"/api/v1/candidates/{cand['id']}"), 404)
    assert_problem(people["employer"].get(rc.base + f"/api/v1/candidates/{cand['id']}/cv"), 404)
    assert_problem(people["employer"].get(rc.base + f"/api/v1/candidates/{cand['id']}/eligibility"), 404)


# ---------------------------------------------------------------------------------------------
# Refusals


def test_a_refusal_needs_a_reason_from_the_list_and_tells_the_candidate(rc, people, demo_offer, wait_mail):
    cand, app = bring(rc, demo_offer, "interview")
    assert_problem(rc.act(people["employer"], app["id"], "refuse"), 422, "refusal_reason")
    assert_problem(rc.act(people["employer"], app["id"], "refuse", refusal_reason="too_young"), 422,
                   "refusal_reason")
    got = rc.step(people["employer"], app["id"], "refuse", refusal_reason="distance",
                  comment="Le fablab est à 80 km de chez vous.")
    assert got["refusal_reason"] == "distance"
    assert got["refusal_reason_label"] == "Le lieu de travail est trop éloigné"
    body = wait_mail(cand["email"], "Non retenue")
    assert "Motif : Le lieu de travail est trop éloigné" in body and "80 km" in body


# ---------------------------------------------------------------------------------------------
# Acceptance


def test_accepting_creates_the_contract_and_closes_the_other_applications(rc, people, demo_dossier, mailbox):
    offers = [rc.offer(demo_dossier) for _ in range(3)]
    cand = rc.candidate()
    apps = [rc.apply(cand, o) for o in offers]
    rc.step(cand["s"], apps[2]["id"], "withdraw")
    r = rc.act(people["employer"], apps[0]["id"], "accept", **rc.terms(
        sponsor_id=person_id(DEMO_ACCOUNTS["sponsor"]), company_activity="Réparation d'ordinateurs"))
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["state"] == "accepted" and got["contract_id"] > 0
    c = people["employer"].get(rc.base + f"/api/v1/contracts/{got['contract_id']}").json()
    assert c["state"] == "planned" and c["candidate_id"] == cand["id"] and c["application_id"] == apps[0]["id"]
    assert (c["start_on"], c["end_on"], c["weekly_hours"], c["contract_type"]) == (START, END, 35, "CDD")
    assert c["tutor_id"] == person_id(DEMO_ACCOUNTS["employer"]) and c["tutor_name"] == "Sébastien Structure"
    assert c["tutor_experience"] == "Dix ans d'animation multimédia"
    assert (c["sponsor_name"], c["sponsor_contact"]) == ("Paul Parrain", "paul.parrain@exemple.fr")
    assert c["sponsor_id"] == person_id(DEMO_ACCOUNTS["sponsor"])
    # The sponsoring company and the pole come from the dossier unless the form says otherwise.
    assert (c["company_name"], c["company_siret"]) == ("Valence Informatique Services", "73282932000074")
    assert c["company_activity"] == "Réparation d'ordinateurs" and c["pole_id"] == rc.pole_id
    assert rc.get(apps[1]["id"])["state"] == "obsolete"
    assert rc.get(apps[2]["id"])["state"] == "withdrawn"
    assert [e["detail"]["because"] for e in journal(rc, apps[1]["id"]) if e["action"] == "obsolete"] == ["recruited"]
    assert mailbox.wait_message(cand["email"], "Retenue")


def test_accept_checks_the_contract_terms(rc, people, demo_offer):
    cand, app = bring(rc, demo_offer, "interview")
    p = assert_problem(rc.act(people["employer"], app["id"], "accept"), 422)
    assert {"start_on", "tutor_id"} <= {e["field"] for e in p["errors"]}
    outsider = rc.make_account("employer", organisation_id=rc.structure()[0])["id"]
    p = assert_problem(rc.act(people["employer"], app["id"], "accept", **rc.terms(tutor_id=outsider)), 422, "tutor_id")
    assert "membre de la structure" in field_message(p, "tutor_id")
    p = assert_problem(rc.act(people["employer"], app["id"], "accept", **rc.terms(end_on="2027-07-03")), 422,
                       "end_on")
    assert "6 mois" in field_message(p, "end_on") and "de 12 à 36 mois" in field_message(p, "end_on")
    p = assert_problem(rc.act(people["employer"], app["id"], "accept",
                              **rc.terms(sponsor_id=person_id(DEMO_ACCOUNTS["candidate"]))), 422, "sponsor_id")
    assert_problem(rc.act(people["employer"], app["id"], "accept", **rc.terms(company_siret="12345678901234")), 422,
                   "company_siret")
    assert rc.get(app["id"])["state"] == "interview"
    assert sql_int(f"SELECT COUNT(*) FROM contracts WHERE candidate_id = {cand['id']}") == 0


def test_no_acceptance_beyond_the_posts_granted(rc):
    dossier = rc.dossier(posts=1)
    offer = rc.offer(dossier, posts=1)
    employer = rc.who(DEMO_ACCOUNTS["employer"])
    first, second = rc.candidate(), rc.candidate()
    a1, a2 = rc.apply(first, offer), rc.apply(second, offer)
    rc.step(employer, a1["id"], "accept")
    p = assert_problem(rc.act(employer, a2["id"], "accept", **rc.terms()), 409)
    assert "1 contrat en cours ou prévu pour 1 poste accordé" in p["detail"]
    assert rc.get(a2["id"])["state"] == "new"
    assert sql_int(f"SELECT COUNT(*) FROM contracts WHERE dossier_id = {dossier}") == 1


def test_two_structures_accepting_the_same_candidate_at_once_make_one_contract(rc):
    cand = rc.candidate()
    sides = []
    for employer in (DEMO_ACCOUNTS["employer"], rc.structure()[1]):
        offer = rc.offer(rc.dossier(employer, posts=1), employer)
        app = rc.apply(cand, offer)
        sides.append((rc.who(employer), app, rc.terms(tutor_email=employer)))
    barrier = threading.Barrier(2)
    results = [None, None]

    def accept(i):
        s, app, terms = sides[i]
        barrier.wait()
        results[i] = s.post(rc.base + f"/api/v1/applications/{app['id']}/actions/accept",
                            json={"version": app["version"], **terms})

    threads = [threading.Thread(target=accept, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    statuses = sorted(r.status_code for r in results)
    assert statuses == [200, 409], [r.text[:500] for r in results]
    assert sql_int(f"SELECT COUNT(*) FROM contracts WHERE candidate_id = {cand['id']}") == 1
    states = sorted(rc.get(app["id"])["state"] for _, app, _ in sides)
    assert states == ["accepted", "obsolete"]


def test_eligibility_is_required_where_the_programme_says_so(rc, people, demo_offer):
    before = sql_int(f"SELECT requires_eligibility FROM programmes WHERE id = {rc.eav['id']}")
    sql(f"UPDATE programmes SET requires_eligibility = 1 WHERE id = {rc.eav['id']}")
    try:
        cand = rc.candidate(eligible=False)
        app = rc.apply(cand, demo_offer)
        p = assert_problem(rc.act(people["employer"], app["id"], "accept", **rc.terms()), 422, "start_on")
        assert "diagnostic d'éligibilité" in field_message(p, "start_on") and "4 janvier 2027" in field_message(p, "start_on")
        # A diagnosis that ends before the start, or says "not eligible", does not do.
        rc.diagnose(cand["id"], valid_until="2027-01-03")
        rc.diagnose(cand["id"], eligible=0)
        assert_problem(rc.act(people["employer"], app["id"], "accept", **rc.terms()), 422, "start_on")
        rc.diagnose(cand["id"], valid_until=START)
        rc.step(people["employer"], app["id"], "accept")
    finally:
        sql(f"UPDATE programmes SET requires_eligibility = {before} WHERE id = {rc.eav['id']}")


# ---------------------------------------------------------------------------------------------
# The 60-day job


def test_an_application_left_60_days_without_answer_becomes_obsolete(rc, demo_offer, config_path, wait_mail):
    cand = rc.candidate()
    app = rc.apply(cand, demo_offer)
    answered = rc.apply(cand, rc.offer(sql_int(f"SELECT dossier_id FROM offers WHERE id = {demo_offer}")))
    since = app["state_since"]
    r = run_cli("jobs", "run", "--now", day(since, 59) + "T23:59", config=config_path)
    assert r.returncode == 0, r.stderr
    assert rc.get(app["id"])["state"] == "new"
    # An answer restarts the count.
    sql(f"UPDATE applications SET state_since = state_since + 86400 WHERE id = {answered['id']}")
    r = run_cli("jobs", "run", "--now", day(since, 60), config=config_path)
    assert r.returncode == 0, r.stderr
    got = rc.get(app["id"])
    assert got["state"] == "obsolete" and got["version"] == app["version"] + 1
    assert rc.get(answered["id"])["state"] == "new"
    assert [e["detail"]["because"] for e in journal(rc, app["id"]) if e["action"] == "obsolete"] == ["no_answer"]
    body = wait_mail(cand["email"], "est close")
    assert "sans réponse pendant 60 jours" in body and f"/candidatures/{app['id']}" in body
    drain_outbox()


# ---------------------------------------------------------------------------------------------
# Who sees what


def test_each_party_sees_its_own_applications(rc, people, demo_offer):
    cand, app = bring(rc, demo_offer, "new")
    other_org, other_employer = rc.structure()
    for actor in ("candidate_other", "employer_other", "prescriber", "regional_other", "sponsor", "pole", "regional",
                  "national"):
        assert_problem(people[actor].get(rc.base + f"/api/v1/applications/{app['id']}"), 404)
        ids = [a["id"] for a in people[actor].get(rc.base + "/api/v1/applications?per_page=500").json()["items"]]
        assert app["id"] not in ids, actor
    for s in (cand["s"], people["employer"], people["admin"]):
        assert s.get(rc.base + f"/api/v1/applications/{app['id']}").status_code == 200
    mine = cand["s"].get(rc.base + "/api/v1/applications").json()
    assert [a["id"] for a in mine["items"]] == [app["id"]] and mine["total"] == 1
    # A prescriber the candidate accepted sees the application, without any action on it.
    sql(f"INSERT INTO candidate_followers (candidate_id, organisation_id, since, state) VALUES ({cand['id']}, "
        f"{org_id(ML_ORG)}, 1700000000, 'accepted')")
    got = people["prescriber"].get(rc.base + f"/api/v1/applications/{app['id']}")
    assert got.status_code == 200 and got.json()["actions"] == []
    assert app["id"] in [a["id"] for a in people["prescriber"].get(rc.base + "/api/v1/applications").json()["items"]]


def test_the_structure_filters_its_applications(rc, people, demo_dossier):
    offer = rc.offer(demo_dossier)
    _, a1 = bring(rc, offer, "new")
    _, a2 = bring(rc, offer, "processing")
    got = people["employer"].get(rc.base + f"/api/v1/applications?offer_id={offer}").json()
    assert sorted(a["id"] for a in got["items"]) == sorted([a1["id"], a2["id"]]) and got["total"] == 2
    got = people["employer"].get(rc.base + f"/api/v1/applications?offer_id={offer}&state=processing").json()
    assert [a["id"] for a in got["items"]] == [a2["id"]]
    assert offer in [o["id"] for o in got["offers"]]
    assert_problem(people["employer"].get(rc.base + "/api/v1/applications?state=hired"), 422, "state")
    assert_problem(people["employer"].get(rc.base + "/api/v1/applications?offer_id=abc"), 422, "offer_id")


def test_anonymous_callers_are_asked_to_sign_in(base):
    assert requests.get(base + "/api/v1/applications").status_code == 401
    assert requests.post(base + "/api/v1/offers/1/applications", json={}).status_code == 401


# ---------------------------------------------------------------------------------------------
# The pages


@pytest.fixture(scope="module")
def page_as(base, login):
    """page_as(email) -> a session signed in through the form (made once per email)."""
    cache = {}

    def get(email, password=PASSWORD):
        if email not in cache:
            cache[email] = login(email, password)
        return cache[email]

    return get


def test_a_candidate_applies_through_the_form(rc, base, demo_dossier, page_as):
    offer = rc.offer(demo_dossier, title=unique("Médiateur numérique "))
    cand = rc.candidate()
    s = page_as(cand["email"])
    r = s.get(base + f"/offres/{offer}/candidater")
    assert r.status_code == 200
    page = text(r)
    assert "Envoyer ma candidature" in page and 'name="message"' in page and "Ateliers numériques" in page
    r = s.post(base + f"/offres/{offer}/candidater", data={"csrf": csrf_from(r.text), "message": "x" * 4001},
               allow_redirects=False)
    assert r.status_code == 422 and 'href="#message"' in r.text
    r = s.post(base + f"/offres/{offer}/candidater",
               data={"csrf": csrf_from(r.text), "message": "Je connais bien la découpe laser."},
               allow_redirects=False)
    assert r.status_code == 303
    app_id = int(r.headers["location"].rsplit("/", 1)[1])
    page = text(s.get(base + r.headers["location"]))
    assert "Je connais bien la découpe laser." in page and "Retirer ma candidature" in page
    assert "Candidature envoyée" in page  # the timeline
    # Again: the page says so and links to the application; a second post is refused.
    page = text(s.get(base + f"/offres/{offer}/candidater"))
    assert "Vous avez déjà candidaté" in page and f"/candidatures/{app_id}" in page
    csrf = csrf_from(s.get(base + "/candidatures").text)
    r = s.post(base + f"/offres/{offer}/candidater", data={"csrf": csrf, "message": "Encore"}, allow_redirects=False)
    assert r.status_code == 409 and "déjà candidaté" in text(r)
    r = s.get(base + "/candidatures")
    assert r.status_code == 200 and f"/candidatures/{app_id}" in r.text and "Mes candidatures" in text(r)


def test_a_candidate_without_profile_is_sent_to_it(rc, base, demo_offer, page_as):
    cand = rc.candidate(profile=False)
    page = text(page_as(cand["email"]).get(base + f"/offres/{demo_offer}/candidater"))
    assert "Complétez d'abord votre profil" in page and 'href="/candidat"' in page
    assert 'name="message"' not in page


def test_the_structure_accepts_with_the_contract_form(rc, base, demo_offer, page_as):
    cand, app = bring(rc, demo_offer, "interview")
    s = page_as(DEMO_ACCOUNTS["employer"], "demo-tremplin-2026")
    r = s.get(base + f"/candidatures/{app['id']}")
    assert r.status_code == 200
    html_ = r.text
    page = text(r)
    for want in ("Retenir la candidature et établir le contrat", "Ne pas retenir la candidature", cand["email"],
                 "Je suis passionné de fabrication numérique.", "Entretien proposé"):
        assert want in page, want
    # The contract form: the offer's terms as defaults, the tutor among the structure's staff, the dossier's sponsor.
    assert re.search(r'id="accept-start_on" name="start_on" value="2027-01-04"', html_)
    assert re.search(r'id="accept-end_on" name="end_on" value="2028-01-03"', html_)
    assert re.search(r'id="accept-weekly_hours" name="weekly_hours" value="35"', html_)
    tutor = re.search(r'<select class="fr-select" id="accept-tutor_id" name="tutor_id".*?</select>', html_, re.S)
    assert tutor and f'value="{person_id(DEMO_ACCOUNTS["employer"])}" selected' in tutor.group(0)
    assert re.search(r'id="accept-sponsor_name" name="sponsor_name" value="Paul Parrain"', html_)
    refuse = re.search(r'<select class="fr-select" id="refuse-refusal_reason".*?</select>', html_, re.S)
    assert refuse and "Le poste est pourvu" in text_of(refuse.group(0))
    csrf = csrf_from(html_)
    fields = {"csrf": csrf, "version": str(app["version"]), "contract_type": "CDD", "start_on": START,
              "end_on": END, "weekly_hours": "35", "tutor_id": "", "sponsor_name": "Paul Parrain",
              "sponsor_contact": "06 12 34 56 78", "company_name": "Valence Informatique Services",
              "company_siret": "73282932000074", "company_activity": "Services informatiques",
              "pole_id": str(rc.pole_id), "tutor_experience": "Quinze ans d'animation"}
    r = s.post(base + f"/candidatures/{app['id']}/actions/accept", data=fields, allow_redirects=False)
    assert r.status_code == 422
    assert 'href="#accept-tutor_id"' in r.text and "06 12 34 56 78" in text(r)
    fields["tutor_id"] = str(person_id(DEMO_ACCOUNTS["employer"]))
    r = s.post(base + f"/candidatures/{app['id']}/actions/accept", data=fields, allow_redirects=False)
    assert r.status_code == 200 and "Retenir cette candidature et établir le contrat ?" in text(r)
    assert "Quinze ans d'animation" in text_of(r.text)  # the terms carried to the confirmation
    fields["confirmed"] = "1"
    r = s.post(base + f"/candidatures/{app['id']}/actions/accept", data=fields, allow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/contrats/")
    page = text(s.get(base + r.headers["location"]))
    for want in ("Sébastien Structure", "Quinze ans d'animation", "Paul Parrain", "06 12 34 56 78",
                 "Valence Informatique Services", "73282932000074"):
        assert want in page, want
    # The form again, from the version read before: stale.
    r = s.post(base + f"/candidatures/{app['id']}/actions/accept", data=fields, allow_redirects=False)
    assert r.status_code == 409 and "Rien n'a été changé" in text(r)


def text_of(fragment):
    import html
    return html.unescape(fragment)


def test_the_structure_proposes_a_contact_through_the_form(rc, base, demo_offer, page_as):
    cand = rc.candidate()
    s = page_as(DEMO_ACCOUNTS["employer"], "demo-tremplin-2026")
    csrf = csrf_from(s.get(base + "/candidatures").text)
    r = s.post(base + f"/offres/{demo_offer}/candidats/{cand['id']}/proposer", data={"csrf": csrf},
               allow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/candidatures/")
    page = text(page_as(cand["email"]).get(base + r.headers["location"]))
    assert "Accepter la mise en relation" in page and "Décliner la mise en relation" in page
    r = s.post(base + f"/offres/{demo_offer}/candidats/{cand['id']}/proposer", data={"csrf": csrf},
               allow_redirects=False)
    assert r.status_code == 409


def test_the_structure_filters_its_list(rc, base, demo_dossier, page_as):
    offer = rc.offer(demo_dossier, title=unique("Offre filtrée "))
    _, a1 = bring(rc, offer, "new")
    _, a2 = bring(rc, offer, "refused")
    s = page_as(DEMO_ACCOUNTS["employer"], "demo-tremplin-2026")
    r = s.get(base + f"/candidatures?offre={offer}&etat=refused")
    assert r.status_code == 200
    assert f"/candidatures/{a2['id']}" in r.text and f"/candidatures/{a1['id']}" not in r.text
    assert "Candidatures reçues" in text(r) and 'name="offre"' in r.text


def test_pages_out_of_scope_answer_not_found(rc, base, demo_offer, page_as, make_account):
    cand, app = bring(rc, demo_offer, "new")
    other = rc.candidate()
    r = page_as(other["email"]).get(base + f"/candidatures/{app['id']}")
    assert r.status_code == 404 and "n'existe pas" in text(r)
    org, _ = rc.structure()
    employer = make_account("employer", password=PASSWORD, organisation_id=org)["_email"]
    r = page_as(employer).get(base + f"/candidatures/{app['id']}")
    assert r.status_code == 404
    csrf = csrf_from(page_as(employer).get(base + "/candidatures").text)
    r = page_as(employer).post(base + f"/candidatures/{app['id']}/actions/process",
                               data={"csrf": csrf, "version": str(app["version"])}, allow_redirects=False)
    assert r.status_code == 404
    r = page_as(employer).get(base + f"/offres/{demo_offer}/candidater")
    assert r.status_code == 403
    assert requests.get(base + "/candidatures", allow_redirects=False).status_code == 303


def test_the_contract_form_offers_the_vivier_of_the_region(rc, base, demo_offer, page_as):
    """Beside the sponsor's fields, the partner companies of the offer's region able to sponsor its job profile."""
    from test_poles import luhn_siret
    name = unique("Entreprise du vivier ")
    r = rc.who(DEMO_ACCOUNTS["pole"]).post(base + "/api/v1/partners", json={
        "name": name, "siret": luhn_siret(), "activity": "Maintenance informatique", "commune_code": "26362",
        "contact_name": "Marie Contact", "job_profiles": [rc.profile_id]})
    assert r.status_code == 201, r.text
    cand, app = bring(rc, demo_offer, "interview")
    page = page_as(DEMO_ACCOUNTS["employer"], "demo-tremplin-2026").get(base + f"/candidatures/{app['id']}")
    assert page.status_code == 200
    assert "Entreprises du vivier de la région" in page.text and name in page.text


# ---------------------------------------------------------------------------------------------
# Withdrawing and applying again; interviews; what to know before the contract (issue 19)


def test_a_withdrawn_application_is_made_again_while_the_offer_is_open(rc, base, demo_dossier, page_as):
    offer = rc.offer(demo_dossier, title=unique("Offre à nouveau "))
    cand = rc.candidate()
    app = rc.apply(cand, offer)
    # Withdrawing through the page is asked first, its consequence stated; then done and said.
    s = page_as(cand["email"])
    form = {"csrf": csrf_from(s.get(base + f"/candidatures/{app['id']}").text), "version": str(app["version"])}
    r = s.post(base + f"/candidatures/{app['id']}/actions/withdraw", data=form, allow_redirects=False)
    assert r.status_code == 200 and "Retirer votre candidature ?" in text(r)
    assert "vous pourrez candidater à nouveau tant que l'offre est ouverte" in text(r)
    assert rc.get(app["id"])["state"] == "new"
    r = s.post(base + f"/candidatures/{app['id']}/actions/withdraw", data=dict(form, confirmed="1"))
    assert r.status_code == 200 and f"Votre candidature n° {app['id']} est retirée" in text(r)
    assert rc.get(app["id"])["state"] == "withdrawn"
    assert "Candidater à nouveau" in text(s.get(base + f"/candidatures/{app['id']}"))
    # Applying again takes the same application up again: new, with its new message, its history going on.
    r = cand["s"].post(base + f"/api/v1/offers/{offer}/applications", json={"message": "Je reviens vers vous."})
    assert r.status_code == 201, r.text
    assert r.json()["id"] == app["id"]
    got = rc.get(app["id"])
    assert got["state"] == "new" and got["message"] == "Je reviens vers vous."
    assert [e["action"] for e in journal(rc, app["id"])][:2] == ["reapply", "withdraw"]
    # Once the offer no longer takes applications, no more.
    rc.step(cand["s"], app["id"], "withdraw")
    sql(f"UPDATE offers SET state = 'closed' WHERE id = {offer}")
    p = assert_problem(rc.act(cand["s"], app["id"], "reapply"), 409)
    assert "n'est plus ouverte aux candidatures" in p["detail"]
    assert rc.get(app["id"])["state"] == "withdrawn"


def test_an_interview_has_a_day_a_time_and_a_place_and_the_candidate_answers(rc, base, demo_offer, people, page_as,
                                                                              wait_mail):
    cand, app = bring(rc, demo_offer, "processing")
    emp = people["employer"]
    p = assert_problem(rc.act(emp, app["id"], "interview"), 422)
    assert {"interview_on", "interview_time", "interview_place"} <= {e["field"] for e in p["errors"]}
    assert_problem(rc.act(emp, app["id"], "interview", **dict(INTERVIEW, interview_on="2020-01-06")), 422,
                   "interview_on")
    assert_problem(rc.act(emp, app["id"], "interview", **dict(INTERVIEW, interview_time="25:00")), 422,
                   "interview_time")
    assert rc.get(app["id"])["state"] == "processing"
    r = rc.act(emp, app["id"], "interview", **dict(INTERVIEW, interview_time="09h30"))
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["state"], got["interview_on"], got["interview_time"], got["interview_answer"]) == (
        "interview", "2027-01-06", "09:30", "pending")
    assert "Entretien le 6 janvier 2027 à 09:30, lieu : 12 rue des Ateliers, Crest." in wait_mail(
        cand["email"], "Entretien")
    page = text(page_as(cand["email"]).get(base + f"/candidatures/{app['id']}"))
    for want in ("Entretien proposé", "le 6 janvier 2027 à 09:30", "12 rue des Ateliers, Crest",
                 "En attente de la réponse du candidat.", "Accepter l'entretien", "Demander un autre créneau"):
        assert want in page, want
    # Another time asked, with the candidate's availability: the structure reads it; a second answer is refused.
    assert_problem(rc.act(cand["s"], app["id"], "ask_other_interview"), 422, "interview_reply")
    r = rc.act(cand["s"], app["id"], "ask_other_interview", interview_reply="Le jeudi matin")
    assert r.status_code == 200 and r.json()["interview_answer"] == "other"
    page = text(page_as(DEMO_ACCOUNTS["employer"], "demo-tremplin-2026").get(base + f"/candidatures/{app['id']}"))
    assert "Le candidat demande un autre créneau : Le jeudi matin" in page
    assert "déjà répondu" in assert_problem(rc.act(cand["s"], app["id"], "accept_interview"), 409)["detail"]
    # A new proposal; the candidate accepts it.
    r = rc.act(emp, app["id"], "interview", **dict(INTERVIEW, interview_on="2027-01-07", interview_time="10:00"))
    assert r.status_code == 200 and r.json()["interview_answer"] == "pending"
    r = rc.act(cand["s"], app["id"], "accept_interview")
    assert r.status_code == 200 and r.json()["interview_answer"] == "accepted"
    page = text(page_as(DEMO_ACCOUNTS["employer"], "demo-tremplin-2026").get(base + f"/candidatures/{app['id']}"))
    assert "le 7 janvier 2027 à 10:00" in page and "Accepté par le candidat." in page


def test_the_structure_learns_before_the_contract_that_eligibility_is_missing(rc, base, demo_offer, page_as):
    cand = rc.candidate(eligible=False)
    app = rc.apply(cand, demo_offer)
    note = rc.get(app["id"], DEMO_ACCOUNTS["employer"])["action_notes"]["accept"]
    assert f"Avant le contrat : {cand['name']} n'a pas de diagnostic d'éligibilité valide" in note
    page = text(page_as(DEMO_ACCOUNTS["employer"], "demo-tremplin-2026").get(base + f"/candidatures/{app['id']}"))
    assert "n'a pas de diagnostic d'éligibilité valide" in page
    # Not to the candidate, and not when the diagnosis is there.
    assert "action_notes" not in rc.get(app["id"], cand["email"])
    _, ok = bring(rc, demo_offer, "new")
    assert "action_notes" not in rc.get(ok["id"], DEMO_ACCOUNTS["employer"])
