"""Contracts through the API and the pages: every move of the lifecycle for every role (allowed, forbidden,
stale) — start, suspend, resume, complete, end early, the outcome, the six-month follow-up and its reminder job,
renewals within the programme's total bound — and who sees a contract: the structure, the young person, the
tutor and the sponsor, the pole and the officers of its region; nobody else.

The prerequisites are those of test_applications.py (its Recruitment helper): a validated dossier, an offer, a
candidate with a valid eligibility diagnosis, an application accepted with the contract's terms. A contract starts
on its start date and completes on its end date (the server's clock is the real one): each contract of this module
is moved, once made, four years back (4 January 2023 – 3 January 2024), its diagnosis with it."""
import pytest

from conftest import DEMO_ACCOUNTS, csrf_from, org_id, person_id, run_cli, sql, sql_int, text
from test_applications import (ML_ORG, PASSWORD, START, STALE, Recruitment, assert_problem, drain_outbox,
                               field_message, journal)

# The dates of this module's contracts once made: in the past, so that they can start and complete.
PAST_START, END = "2023-01-04", "2024-01-03"


def backdate(cid, candidate_id):
    """Contract CID and its candidate's diagnoses moved into the past, as if recruited four years ago."""
    sql(f"UPDATE contracts SET start_on = '{PAST_START}', end_on = CASE WHEN end_on IS NULL THEN NULL ELSE '{END}' "
        f"END WHERE id = {cid}")
    sql(f"UPDATE eligibility_diagnoses SET decided_on = '2022-12-01', valid_until = '2099-12-31' "
        f"WHERE candidate_id = {candidate_id}")

STATES = ["planned", "active", "suspended", "completed", "ended_early"]
ENDED = {"completed", "ended_early"}
# action -> (from states, parties who take it, to state or None when the state stays).
TABLE = {
    "start": ({"planned"}, {"structure"}, "active"),
    "suspend": ({"active"}, {"structure"}, "suspended"),
    "resume": ({"suspended"}, {"structure"}, "active"),
    "complete": ({"active", "suspended"}, {"structure"}, "completed"),
    "end_early": ({"planned", "active", "suspended"}, {"structure"}, "ended_early"),
    "record_outcome": (ENDED, {"structure"}, None),
    "record_followup": (ENDED, {"structure", "pole"}, None),
    "renew": ({"completed"}, {"structure"}, None),
}
PAYLOAD = {
    "suspend": {"reason": "Arrêt maladie de trois semaines"},
    "end_early": {"reason": "Démission pour un CDI", "ended_on": "2023-06-30", "ended_by": "employee",
                  "break_reason": "job"},
    "record_outcome": {"outcome": "lasting_cdi"},
    "record_followup": {"followup_outcome": "training"},
    "renew": {"end_on": "2025-01-03"},
}
ACTORS = ["employer", "employer_other", "candidate", "candidate_other", "sponsor", "sponsor_other", "prescriber",
          "pole", "regional", "regional_other", "national", "admin"]
READERS = {"employer", "candidate", "sponsor", "pole", "regional", "national", "admin"}
PARTY = {"employer": "structure", "pole": "pole"}


def expected(actor, state, action):
    """200, 404 (not in scope: the contract does not exist for them), 403 (not their move) or 409 (not now)."""
    if actor not in READERS:
        return 404
    froms, parties, _ = TABLE[action]
    if PARTY.get(actor) not in parties:
        return 403
    return 200 if state in froms else 409


@pytest.fixture(scope="module")
def rc(base, api, make_account):
    return Recruitment(base, api, make_account)


@pytest.fixture(scope="module")
def offer(rc):
    """An offer of the demo structure with many posts: the contracts of this module hold them."""
    return rc.offer(rc.dossier(posts=60), posts=60)


@pytest.fixture(scope="module")
def people(rc):
    org, other_employer = rc.structure()
    other_sponsor = rc.make_account("sponsor", organisation_id=org_id("Valence Informatique Services"))["_email"]
    emails = {"employer": DEMO_ACCOUNTS["employer"], "employer_other": other_employer,
              "sponsor": DEMO_ACCOUNTS["sponsor"], "sponsor_other": other_sponsor,
              "prescriber": DEMO_ACCOUNTS["prescriber"], "pole": DEMO_ACCOUNTS["pole"],
              "regional": DEMO_ACCOUNTS["regional"], "regional_other": rc.make_account("regional", regions="11")["_email"],
              "national": DEMO_ACCOUNTS["national"], "admin": DEMO_ACCOUNTS["admin"]}
    who = {actor: rc.who(email) for actor, email in emails.items()}
    who["candidate_other"] = rc.candidate()["s"]
    return who


class Contracts:
    def __init__(self, rc, offer):
        self.rc, self.offer, self.base = rc, offer, rc.base
        self.employer = rc.who(DEMO_ACCOUNTS["employer"])

    def make(self, past=True, **terms):
        """A new candidate recruited on the module's offer: (candidate, contract) in state planned, moved into the past
        unless PAST is false (then it starts on START)."""
        cand = self.rc.candidate()
        app = self.rc.apply(cand, self.offer)
        body = self.rc.terms(sponsor_id=person_id(DEMO_ACCOUNTS["sponsor"]), **terms)
        r = self.rc.act(self.employer, app["id"], "accept", **body)
        assert r.status_code == 200, r.text
        if past:
            backdate(r.json()["contract_id"], cand["id"])
        return cand, self.get(r.json()["contract_id"])

    def get(self, cid, session=None):
        r = (session or self.employer).get(self.base + f"/api/v1/contracts/{cid}")
        assert r.status_code == 200, r.text
        return r.json()

    def act(self, session, cid, action, version=None, **payload):
        if version is None:
            version = self.get(cid)["version"]
        return session.post(self.base + f"/api/v1/contracts/{cid}/actions/{action}", json={"version": version, **payload})

    def step(self, cid, action, session=None, **payload):
        r = self.act(session or self.employer, cid, action, **(payload or PAYLOAD.get(action, {})))
        assert r.status_code == 200, (action, r.text[:1500])
        return r.json()

    def bring(self, state):
        cand, c = self.make()
        path = {"planned": [], "active": ["start"], "suspended": ["start", "suspend"],
                "completed": ["start", "complete"], "ended_early": ["start", "end_early"]}[state]
        for action in path:
            c = self.step(c["id"], action)
        assert c["state"] == state
        return cand, c


@pytest.fixture(scope="module")
def ct(rc, offer):
    return Contracts(rc, offer)


# ---------------------------------------------------------------------------------------------
# Every move for every role


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", list(TABLE))
def test_each_move_for_each_role(ct, people, state, action):
    cand, c = ct.bring(state)
    who = dict(people, candidate=cand["s"])
    allowed = []
    for actor in ACTORS:
        want = expected(actor, state, action)
        if want == 200:
            allowed.append(actor)
            continue
        r = ct.act(who[actor], c["id"], action, version=c["version"], **PAYLOAD.get(action, {}))
        assert_problem(r, want)
    assert ct.get(c["id"])["version"] == c["version"], "a refused move changed the contract"
    if not allowed:
        return
    actor = allowed[-1]
    r = ct.act(who[actor], c["id"], action, version=c["version"] - 1 if c["version"] > 1 else 99,
               **PAYLOAD.get(action, {}))
    assert STALE in assert_problem(r, 409)["detail"]
    r = ct.act(who[actor], c["id"], action, version=c["version"], **PAYLOAD.get(action, {}))
    assert r.status_code == 200, r.text[:1500]
    got = r.json()
    assert got["state"] == (TABLE[action][2] or state) and got["version"] == c["version"] + 1
    entry = next(e for e in journal(ct.rc, c["id"], "contract") if e["action"] == action)
    assert entry["detail"]["from"] == state


# ---------------------------------------------------------------------------------------------
# The lifecycle


def test_a_contract_from_start_to_follow_up(ct, people, wait_mail):
    cand, c = ct.make()
    assert c["state"] == "planned" and c["actions"][0]["action"] == "start"
    c = ct.step(c["id"], "start")
    assert c["state"] == "active"
    assert "« Démarrer le contrat »" in wait_mail(cand["email"], "Démarrer le contrat")
    assert_problem(ct.act(ct.employer, c["id"], "suspend"), 422, "reason")
    c = ct.step(c["id"], "suspend", reason="Congé de formation")
    assert c["state"] == "suspended" and c["end_reason"] == "Congé de formation"
    c = ct.step(c["id"], "resume")
    c = ct.step(c["id"], "complete")
    assert (c["state"], c["ended_on"], c["followup_due_on"]) == ("completed", END, "2024-07-03")
    assert_problem(ct.act(ct.employer, c["id"], "record_outcome", outcome="rich"), 422, "outcome")
    c = ct.step(c["id"], "record_outcome", outcome="lasting_cdd")
    assert c["outcome"] == "lasting_cdd" and c["outcome_label"] == "Emploi durable : CDD de 6 mois ou plus"
    c = ct.step(c["id"], "record_followup", session=people["pole"], followup_outcome="lasting_cdi")
    assert c["followup_outcome_label"] == "Emploi durable : CDI"


def test_a_contract_starts_on_its_start_date_and_completes_on_its_end_date(ct):
    _, c = ct.make(past=False)
    assert c["start_on"] == START
    p = assert_problem(ct.act(ct.employer, c["id"], "start"), 409)
    assert "« Démarrer le contrat » n'est possible qu'à partir du 4 janvier 2027, date de début du contrat" in p["detail"]
    assert ct.get(c["id"])["state"] == "planned"
    # Started in the past, it still cannot be completed « à son terme » before its end date.
    sql(f"UPDATE contracts SET start_on = '{PAST_START}', end_on = '2099-01-03' WHERE id = {c['id']}")
    sql(f"UPDATE eligibility_diagnoses SET decided_on = '2022-12-01', valid_until = '2099-12-31' "
        f"WHERE candidate_id = {c['candidate_id']}")
    c = ct.step(c["id"], "start")
    p = assert_problem(ct.act(ct.employer, c["id"], "complete"), 409)
    assert "n'est possible qu'à partir du 3 janvier 2099, date de fin du contrat" in p["detail"]
    assert ct.get(c["id"])["state"] == "active"


def test_an_early_end_needs_a_reason_and_a_date_after_the_start(ct):
    _, c = ct.bring("active")
    p = assert_problem(ct.act(ct.employer, c["id"], "end_early"), 422)
    assert {"reason", "ended_on", "ended_by", "break_reason"} <= {e["field"] for e in p["errors"]}
    p = assert_problem(ct.act(ct.employer, c["id"], "end_early", reason="Rupture", ended_on="2022-12-01",
                              ended_by="mutual", break_reason="agreement"), 422,
                       "ended_on")
    assert "précéder le début" in field_message(p, "ended_on")
    c = ct.step(c["id"], "end_early", reason="Rupture d'un commun accord", ended_on="2023-05-14", ended_by="mutual",
                break_reason="agreement")
    assert (c["state"], c["ended_on"], c["followup_due_on"]) == ("ended_early", "2023-05-14", "2023-11-14")
    assert (c["ended_by"], c["break_reason"]) == ("mutual", "agreement")
    assert c["end_reason"] == "Rupture d'un commun accord"


def test_the_follow_up_reminder_comes_six_months_after_the_end(ct, config_path, mailbox):
    cand, c = ct.bring("completed")
    name = cand["name"]
    r = run_cli("jobs", "run", "--now", "2024-07-02T12:00", config=config_path)
    assert r.returncode == 0, r.stderr
    assert sql_int(f"SELECT followup_reminded FROM contracts WHERE id = {c['id']}") == 0
    r = run_cli("jobs", "run", "--now", "2024-07-03", config=config_path)
    assert r.returncode == 0, r.stderr
    assert sql_int(f"SELECT followup_reminded FROM contracts WHERE id = {c['id']}") == 1
    for to in (DEMO_ACCOUNTS["employer"], DEMO_ACCOUNTS["pole"]):
        m = mailbox.wait_message(to, f"Suivi à six mois de {name}")
        assert f"/contrats/{c['id']}" in m["message"].get_body(("plain",)).get_content()
    assert [e["action"] for e in journal(ct.rc, c["id"], "contract")][0] == "followup_reminder"
    # Once only.
    r = run_cli("jobs", "run", "--now", "2024-07-04", config=config_path)
    assert r.returncode == 0, r.stderr
    assert [e["action"] for e in journal(ct.rc, c["id"], "contract")].count("followup_reminder") == 1
    # A follow-up recorded in time gets no reminder.
    _, done = ct.bring("completed")
    ct.step(done["id"], "record_followup")
    r = run_cli("jobs", "run", "--now", "2024-07-05", config=config_path)
    assert r.returncode == 0, r.stderr
    assert sql_int(f"SELECT followup_reminded FROM contracts WHERE id = {done['id']}") == 0
    drain_outbox()


def test_a_renewal_stays_within_the_programme_s_total(ct):
    _, c = ct.bring("completed")  # 12 months
    r = ct.act(ct.employer, c["id"], "renew", end_on="2026-01-03")  # 24 more: 36 in all
    assert r.status_code == 200, r.text
    first = r.json()
    new = ct.get(first["new_contract_id"])
    assert new["state"] == "planned" and new["renewed_from"] == c["id"] and new["start_on"] == "2024-01-04"
    assert (new["tutor_id"], new["sponsor_name"], new["candidate_id"]) == (c["tutor_id"], c["sponsor_name"],
                                                                         c["candidate_id"])
    assert ct.get(c["id"])["renewed_by"] == new["id"]
    assert "déjà été renouvelé" in assert_problem(ct.act(ct.employer, c["id"], "renew", end_on="2025-01-03"),
                                                  409)["detail"]
    ct.step(new["id"], "start")
    ct.step(new["id"], "complete")
    p = assert_problem(ct.act(ct.employer, new["id"], "renew", end_on="2026-02-03"), 422, "end_on")
    assert "36 mois déjà effectués plus 1 mois dépasseraient les 36 mois" in field_message(p, "end_on")
    assert_problem(ct.act(ct.employer, new["id"], "renew", end_on="2025-12-01"), 422, "end_on")


# ---------------------------------------------------------------------------------------------
# Who sees a contract


def test_each_party_sees_its_own_contract(ct, rc, people, make_account):
    tutor = make_account("employer", password=PASSWORD, organisation_id=rc.demo_org)["_email"]
    cand, c = ct.make(tutor_id=person_id(tutor))
    assert c["tutor_name"] and c["sponsor_account_name"] == "Paul Parrain"
    for actor in ("employer_other", "candidate_other", "sponsor_other", "prescriber", "regional_other"):
        assert_problem(people[actor].get(rc.base + f"/api/v1/contracts/{c['id']}"), 404)
        ids = [x["id"] for x in people[actor].get(rc.base + "/api/v1/contracts?per_page=500").json()["items"]]
        assert c["id"] not in ids, actor
    for s in (cand["s"], rc.who(tutor), people["sponsor"], people["pole"], people["regional"], people["national"]):
        assert ct.get(c["id"], s)["id"] == c["id"]
        assert c["id"] in [x["id"] for x in s.get(rc.base + "/api/v1/contracts?per_page=500").json()["items"]]
    assert [x["id"] for x in cand["s"].get(rc.base + "/api/v1/contracts").json()["items"]] == [c["id"]]
    assert ct.get(c["id"], cand["s"])["actions"] == [] and ct.get(c["id"], people["sponsor"])["actions"] == []
    # With a contract, national officers and the pole and regional officer of its region read the person's profile.
    for actor in ("national", "pole", "regional"):
        assert people[actor].get(rc.base + f"/api/v1/candidates/{cand['id']}").status_code == 200, actor
    assert_problem(people["regional_other"].get(rc.base + f"/api/v1/candidates/{cand['id']}"), 404)
    # A prescriber the person has not accepted sees nothing; once accepted, the contract.
    sql(f"INSERT INTO candidate_followers (candidate_id, organisation_id, since) VALUES ({cand['id']}, "
        f"{org_id(ML_ORG)}, 1700000000)")
    assert_problem(people["prescriber"].get(rc.base + f"/api/v1/contracts/{c['id']}"), 404)
    sql(f"UPDATE candidate_followers SET state = 'accepted' WHERE candidate_id = {cand['id']}")
    assert ct.get(c["id"], people["prescriber"])["id"] == c["id"]
    assert_problem(people["employer_other"].post(rc.base + f"/api/v1/contracts/{c['id']}/actions/start",
                                                 json={"version": c["version"]}), 404)


def test_a_bad_list_parameter_is_a_problem_naming_it(ct, people):
    assert_problem(people["national"].get(ct.base + "/api/v1/contracts?state=signed"), 422, "state")
    assert_problem(people["national"].get(ct.base + "/api/v1/contracts?page=0"), 422, "page")
    assert_problem(people["national"].get(ct.base + "/api/v1/contracts/999999999"), 404)


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


def test_the_contract_page_shows_tutor_sponsor_and_actions(ct, base, page_as):
    cand, c = ct.make(tutor_experience="Animatrice du fablab depuis 2015", company_activity="Maintenance informatique")
    s = page_as(DEMO_ACCOUNTS["employer"], "demo-tremplin-2026")
    r = s.get(base + f"/contrats/{c['id']}")
    assert r.status_code == 200
    page = text(r)
    for want in (f"Contrat de {cand['name']}", "Sébastien Structure", "Animatrice du fablab depuis 2015",
                 "Paul Parrain", "paul.parrain@exemple.fr", "Valence Informatique Services", "73282932000074",
                 "Maintenance informatique", "Pôle de ressources Centre-Est", "Prévu", "Démarrer le contrat",
                 "Contrat établi"):
        assert want in page, want
    # Start it through its form; a second post of the same form is stale.
    form = {"csrf": csrf_from(r.text), "version": str(c["version"])}
    r = s.post(base + f"/contrats/{c['id']}/actions/start", data=form, allow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/contrats/{c['id']}"
    r = s.post(base + f"/contrats/{c['id']}/actions/start", data=form, allow_redirects=False)
    assert r.status_code == 409 and "Rien n'a été changé" in text(r)
    # A form sent back with errors names them, and keeps what was typed.
    version = ct.get(c["id"])["version"]
    r = s.post(base + f"/contrats/{c['id']}/actions/end_early",
               data={"csrf": form["csrf"], "version": str(version), "reason": "Déménagement"}, allow_redirects=False)
    assert r.status_code == 422
    page = text(r)
    assert "Le formulaire contient des erreurs" in page and 'href="#end_early-ended_on"' in page
    assert "Déménagement" in page
    # A right form is asked to be confirmed first, its consequence stated, its fields carried; then it is done and said.
    form = {"csrf": form["csrf"], "version": str(version), "reason": "Déménagement", "ended_on": "2023-09-01",
            "ended_by": "employee", "break_reason": "other"}
    r = s.post(base + f"/contrats/{c['id']}/actions/end_early", data=form, allow_redirects=False)
    assert r.status_code == 200 and "Rompre ce contrat avant son terme ?" in text(r) and "ne peut pas être annulée" in text(r)
    assert 'name="confirmed" value="1"' in r.text and 'value="Déménagement"' in r.text
    assert ct.get(c["id"])["state"] == "active"
    r = s.post(base + f"/contrats/{c['id']}/actions/end_early", data=dict(form, confirmed="1"))
    assert r.status_code == 200 and f"Le contrat n° {c['id']} est rompu avant son terme." in text(r)
    assert ct.get(c["id"])["state"] == "ended_early"
    # The young person and the sponsor read it; another structure gets the error page.
    r = page_as(cand["email"]).get(base + f"/contrats/{c['id']}")
    assert r.status_code == 200 and "Vos actions" not in text(r)
    r = page_as(DEMO_ACCOUNTS["sponsor"], "demo-tremplin-2026").get(base + f"/contrats/{c['id']}")
    assert r.status_code == 200 and cand["name"] in text(r)
    r = page_as(DEMO_ACCOUNTS["sponsor"], "demo-tremplin-2026").get(base + "/contrats")
    assert r.status_code == 200 and cand["name"] in text(r)


def test_another_structure_gets_the_error_page(ct, rc, base, page_as, make_account):
    _, c = ct.make()
    org, _ = rc.structure()
    other = make_account("employer", password=PASSWORD, organisation_id=org)["_email"]
    r = page_as(other).get(base + f"/contrats/{c['id']}")
    assert r.status_code == 404 and "n'existe pas" in text(r)
    r = page_as(other).get(base + "/contrats")
    assert r.status_code == 200 and f"/contrats/{c['id']}" not in r.text
