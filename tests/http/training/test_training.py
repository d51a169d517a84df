"""Training: training organisations and their accreditation, each contract's path (the job profile's template, the
modules' lifecycle, progress and what is late), sessions (who creates and runs them), registrations with the waiting
list promoted in order, the scheduled cancellation of sessions under their minimum at the deadline (`tremplin jobs
run --now`, both sides of the deadline), the sessions at risk a week ahead, attendance completing a path module, and
the tutors' training record — per role and scope, on both engines.

Contracts are built through the APIs, as test_contracts.py does (test_applications.py's Recruitment: a validated
dossier, an offer, a candidate with a valid eligibility diagnosis, an application accepted with the contract's
terms). Dates are relative to today in Paris, the server's clock."""
import datetime
import zoneinfo

import pytest

from conftest import DEMO_ACCOUNTS, csrf_from, org_id, person_id, run_cli, sql, sql_int, text, unique
from test_applications import PLACE, Recruitment, assert_problem, field_message, journal

OF = "Médiation Formation Rhône-Alpes"
POLE_ORG = "Pôle de ressources Centre-Est"
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
STALE = "a changé depuis votre lecture"


def today(days=0):
    return (datetime.datetime.now(PARIS).date() + datetime.timedelta(days=days)).isoformat()


class World:
    """The people of these tests (API sessions with bearer tokens) and helpers that build contracts and sessions."""

    def __init__(self, rc, offer, api, make_account):
        self.rc, self.offer, self.api, self.base = rc, offer, api, rc.base
        self.eav = rc.eav["id"]
        self.of = org_id(OF)
        self.s = {role: rc.who(DEMO_ACCOUNTS[role]) for role in
                  ("admin", "national", "regional", "pole", "employer", "prescriber", "trainer", "sponsor")}
        self.tutor = make_account("employer", organisation_id=rc.demo_org, name=unique("Tutrice "))
        self.s["tutor"] = rc.who(self.tutor["_email"])
        _, other_employer = rc.structure()
        self.s["employer_other"] = rc.who(other_employer)
        r = api.post(self.base + "/api/v1/organisations", json={"name": unique("Organisme "), "kind": "trainer"})
        assert r.status_code == 201, r.text
        self.other_of = r.json()["id"]
        self.s["trainer_other"] = rc.who(make_account("trainer", organisation_id=self.other_of)["_email"])
        self.s["pole_other"] = rc.who(make_account("pole", organisation_id=org_id(POLE_ORG), regions="11")["_email"])

    def contract(self, tutor_email=None):
        """A young person recruited by the demo structure: (candidate {id, email, s}, contract id), planned."""
        cand = self.rc.candidate()
        app = self.rc.apply(cand, self.offer)
        body = self.rc.terms(tutor_email=tutor_email or self.tutor["_email"],
                             sponsor_id=person_id(DEMO_ACCOUNTS["sponsor"]))
        r = self.rc.act(self.s["employer"], app["id"], "accept", **body)
        assert r.status_code == 200, r.text[:1500]
        return cand, r.json()["contract_id"]

    def path(self, cid, who="employer"):
        r = self.s[who].get(self.base + f"/api/v1/contracts/{cid}/path")
        assert r.status_code == 200, r.text[:1500]
        return r.json()

    def module(self, cid, who="employer", **fields):
        body = {"title": unique("Module "), "hours_planned": 14}
        body.update(fields)
        r = self.s[who].post(self.base + f"/api/v1/contracts/{cid}/path/modules", json=body)
        assert r.status_code == 201, r.text[:1500]
        return r.json()

    def get_module(self, mid, who="employer"):
        r = self.s[who].get(self.base + f"/api/v1/path-modules/{mid}")
        assert r.status_code == 200, r.text[:1500]
        return r.json()

    def module_act(self, mid, action, who="employer", version=None, **payload):
        if version is None:
            version = self.get_module(mid)["version"]
        return self.s[who].post(self.base + f"/api/v1/path-modules/{mid}/actions/{action}",
                                json={"version": version, **payload})

    def new_session(self, who="trainer", **over):
        body = {"programme_id": self.eav, "audience": "recruits", "title": unique("Session "),
                "training_org_id": self.of, "place_id": PLACE, "starts_on": today(20), "ends_on": today(21),
                "hours": 14, "capacity": 10, "min_registrants": 0, "registration_deadline": today(10)}
        body.update(over)
        return self.s[who].post(self.base + "/api/v1/sessions", json=body)

    def session(self, who="trainer", **over):
        r = self.new_session(who, **over)
        assert r.status_code == 201, r.text[:1500]
        return r.json()

    def get_session(self, sid, who="admin"):
        r = self.s[who].get(self.base + f"/api/v1/sessions/{sid}")
        assert r.status_code == 200, r.text[:1500]
        return r.json()

    def register(self, sid, who="employer", **body):
        return self.s[who].post(self.base + f"/api/v1/sessions/{sid}/registrations", json=body)

    def cancel(self, reg_id, who):
        return who.post(self.base + f"/api/v1/registrations/{reg_id}/actions/cancel", json={})

    def attend(self, sid, entries, who="trainer"):
        return self.s[who].post(self.base + f"/api/v1/sessions/{sid}/attendance", json={"entries": entries})


@pytest.fixture(scope="module")
def w(base, api, make_account):
    rc = Recruitment(base, api, make_account)
    return World(rc, rc.offer(rc.dossier(posts=40), posts=40), api, make_account)


def jobs_run(config_path, now):
    r = run_cli("jobs", "run", "--now", now, config=config_path)
    assert r.returncode == 0, r.stderr
    return r


def session_state(sid):
    return sql(f"SELECT state FROM training_sessions WHERE id = {sid}")


# ---------------------------------------------------------------------------------------------
# Training organisations


def test_training_organisations_list_and_edit(w, base, sessions):
    r = w.s["trainer"].get(base + "/api/v1/training-organisations")
    assert r.status_code == 200, r.text
    of = next(o for o in r.json()["items"] if o["id"] == w.of)
    assert [t["name"] for t in of["trainers"]] == ["Fabien Formateur"] and of["can_edit"] is False
    for who in ("trainer", "employer", "pole", "regional"):
        r = w.s[who].patch(base + f"/api/v1/training-organisations/{w.of}",
                           json={"version": of["version"], "accreditation": "Qualiopi"})
        assert_problem(r, 403)
    r = w.s["national"].patch(base + f"/api/v1/training-organisations/{w.of}", json={
        "version": of["version"], "accreditation": "Qualiopi ; titre professionnel REMN",
        "accredited_from": today(-100), "accredited_until": today(-200)})
    assert_problem(r, 422, "accredited_until")
    r = w.s["national"].patch(base + f"/api/v1/training-organisations/{w.of}", json={
        "version": of["version"], "accreditation": "Qualiopi ; titre professionnel REMN",
        "accredited_from": today(-100), "accredited_until": today(300)})
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["accredited"] is True and got["version"] == of["version"] + 1
    r = w.s["national"].patch(base + f"/api/v1/training-organisations/{w.of}",
                              json={"version": of["version"], "accreditation": "x"})
    assert STALE in assert_problem(r, 409)["detail"]
    assert journal(w.rc, w.of, "training_organisation")[0]["action"] == "update"

    # The pages: the list for everyone signed in (national officers get the edit links), the form for them only.
    nat = sessions["national"]
    page = nat.get(base + "/organismes-formation")
    assert page.status_code == 200 and OF in text(page) and "Fabien Formateur" in text(page)
    assert f"/organismes-formation/{w.of}/modifier" in page.text
    assert sessions["employer"].get(base + f"/organismes-formation/{w.of}/modifier").status_code == 403
    form = nat.get(base + f"/organismes-formation/{w.of}/modifier")
    assert form.status_code == 200
    version = sql_int(f"SELECT version FROM organisations WHERE id = {w.of}")
    r = nat.post(base + f"/organismes-formation/{w.of}/modifier", data={
        "csrf": csrf_from(form.text), "version": str(version), "name": OF, "accreditation": "",
        "accredited_from": "pas une date", "accredited_until": ""}, allow_redirects=False)
    assert r.status_code == 422 and "Erreur" in text(r) and "AAAA-MM-JJ" in text(r)
    r = nat.post(base + f"/organismes-formation/{w.of}/modifier", data={
        "csrf": csrf_from(form.text), "version": str(version), "name": OF,
        "accreditation": "Qualiopi ; titre professionnel Responsable d'espace de médiation numérique",
        "accredited_from": today(-100), "accredited_until": today(300)}, allow_redirects=False)
    assert r.status_code == 303, r.text[:2000]
    assert "Responsable d'espace" in text(nat.get(base + "/organismes-formation"))


# ---------------------------------------------------------------------------------------------
# Paths


def test_path_template_proposed_then_applied(w, base, sessions):
    cand, cid = w.contract()
    p = w.path(cid)
    assert p["modules"] == [] and p["can_edit"] is True
    assert [(m["title"], m["hours_planned"]) for m in p["template"]] == [
        ("Prise de poste et sécurité des machines", 35), ("Conception 2D et 3D", 70),
        ("Fabrication numérique et maintenance", 70), ("Animation d'un Fab Lab", 35)]
    assert p["template"][0]["starts_on"] == p["contract"]["start_on"]
    # Only the structure and the pole apply it.
    for who in ("sponsor", "national"):
        assert_problem(w.s[who].post(base + f"/api/v1/contracts/{cid}/path/template", json={}), 403)
    # A trainer does not see the contract's path: for them it does not exist.
    assert_problem(w.s["trainer"].post(base + f"/api/v1/contracts/{cid}/path/template", json={}), 404)
    assert_problem(cand["s"].post(base + f"/api/v1/contracts/{cid}/path/template", json={}), 403)
    # Through the page: the proposal, the button, then the modules.
    emp = sessions["employer"]
    page = emp.get(base + f"/contrats/{cid}/parcours")
    assert page.status_code == 200 and "Appliquer le parcours type" in text(page)
    r = emp.post(base + f"/contrats/{cid}/parcours/modele", data={"csrf": csrf_from(page.text)},
                 allow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/contrats/{cid}/parcours"
    p = w.path(cid)
    assert [(m["title"], m["hours_planned"], m["state"]) for m in p["modules"]] == [
        ("Prise de poste et sécurité des machines", 35, "planned"), ("Conception 2D et 3D", 70, "planned"),
        ("Fabrication numérique et maintenance", 70, "planned"), ("Animation d'un Fab Lab", 35, "planned")]
    assert p["progress"]["hours_planned"] == 210 and p["progress"]["hours_done"] == 0
    assert "template" not in p
    assert any(e["action"] == "path_template" for e in journal(w.rc, cid, "contract"))
    # A second application is refused: the path has modules.
    assert_problem(w.s["pole"].post(base + f"/api/v1/contracts/{cid}/path/template", json={}), 409)
    page = emp.get(base + f"/contrats/{cid}/parcours")
    assert "210" in text(page) and "<progress" in page.text and "Conception 2D et 3D" in text(page)


def test_template_in_months(w, base, api):
    """A profile whose template counts months (the 2020 programme's four months of initial training): the title is
    kept whole, 0 hours, dates over those months, one module after the other."""
    r = api.post(base + f"/api/v1/programmes/{w.eav}/job-profiles", json={
        "code": unique("mois-"), "title": unique("Conseiller "), "training_template":
        "  Formation initiale certifiante en organisme habilité (4 mois)\n\nAteliers collectifs (20 mois)\r\n"
        "Prise de poste (35 h)\nSans durée"})
    assert r.status_code == 201, r.text
    saved = w.rc.profile_id
    w.rc.profile_id = r.json()["id"]
    try:
        offer = w.rc.offer(w.rc.dossier(posts=1), posts=1)
    finally:
        w.rc.profile_id = saved
    cand = w.rc.candidate()
    app = w.rc.apply(cand, offer)
    r = w.rc.act(w.s["employer"], app["id"], "accept", **w.rc.terms(tutor_email=w.tutor["_email"]))
    assert r.status_code == 200, r.text[:1500]
    p = w.path(r.json()["contract_id"])
    start = p["contract"]["start_on"]
    assert start == "2027-01-04"
    assert [(m["title"], m["hours_planned"], m.get("starts_on"), m.get("ends_on"), m["certifying"])
            for m in p["template"]] == [
        ("Formation initiale certifiante en organisme habilité (4 mois)", 0, start, "2027-05-03", True),
        ("Ateliers collectifs (20 mois)", 0, "2027-05-04", "2029-01-03", False),
        ("Prise de poste", 35, "2029-01-04", None, False),
        ("Sans durée", 0, None, None, False)]


def test_path_readers_and_editors(w, base):
    cand, cid = w.contract()
    # Whoever reads the contract reads its path (contract_scope): the regional officer of its region too.
    for who in ("employer", "tutor", "sponsor", "pole", "national", "admin", "regional"):
        assert w.s[who].get(base + f"/api/v1/contracts/{cid}/path").status_code == 200, who
        assert w.s[who].get(base + f"/api/v1/contracts/{cid}").status_code == 200, who
    assert cand["s"].get(base + f"/api/v1/contracts/{cid}/path").status_code == 200
    # For the others the path does not exist (404, not 403: what one may not see does not exist for them).
    for who in ("employer_other", "trainer", "prescriber", "pole_other"):
        assert_problem(w.s[who].get(base + f"/api/v1/contracts/{cid}/path"), 404)
    # The structure and the pole of the region add modules; the others read only.
    m = w.module(cid, "pole", title="Médiation numérique auprès des seniors", hours_planned=21)
    assert m["state"] == "planned" and m["can_edit"] is True
    for who, status in (("sponsor", 403), ("national", 403), ("employer_other", 404), ("trainer", 404)):
        r = w.s[who].post(base + f"/api/v1/contracts/{cid}/path/modules", json={"title": "x"})
        assert_problem(r, status)
    r = cand["s"].post(base + f"/api/v1/contracts/{cid}/path/modules", json={"title": "x"})
    assert_problem(r, 403)
    # Validation: title required, a training organisation must be one, dates in order, certification named.
    r = w.s["employer"].post(base + f"/api/v1/contracts/{cid}/path/modules", json={
        "hours_planned": -3, "training_org_id": w.rc.demo_org, "starts_on": today(10), "ends_on": today(5),
        "certifying": True})
    p = assert_problem(r, 422)
    assert {e["field"] for e in p["errors"]} >= {"title", "hours_planned"}
    r = w.s["employer"].post(base + f"/api/v1/contracts/{cid}/path/modules", json={
        "title": "Module", "training_org_id": w.rc.demo_org, "starts_on": today(10), "ends_on": today(5),
        "certifying": True})
    assert {e["field"] for e in assert_problem(r, 422)["errors"]} == {"training_org_id", "ends_on", "certification"}
    # Edit (PATCH with the version read), stale edit, reorder, remove.
    m2 = w.module(cid, title="Certification", training_org_id=w.of, certifying=True,
                  certification="Titre professionnel REMN", hours_planned=140)
    r = w.s["employer"].patch(base + f"/api/v1/path-modules/{m['id']}",
                              json={"version": m["version"], "hours_planned": 28})
    assert r.status_code == 200 and r.json()["hours_planned"] == 28 and r.json()["version"] == m["version"] + 1
    r = w.s["employer"].patch(base + f"/api/v1/path-modules/{m['id']}", json={"version": m["version"], "title": "y"})
    assert STALE in assert_problem(r, 409)["detail"]
    assert [x["id"] for x in w.path(cid)["modules"]] == [m["id"], m2["id"]]
    assert w.module_act(m2["id"], "move_up").status_code == 200
    assert [x["id"] for x in w.path(cid)["modules"]] == [m2["id"], m["id"]]
    assert_problem(w.module_act(m2["id"], "move_up"), 409)
    r = w.s["employer"].delete(base + f"/api/v1/path-modules/{m['id']}?version={w.get_module(m['id'])['version']}")
    assert r.status_code == 200, r.text
    assert [x["id"] for x in w.path(cid)["modules"]] == [m2["id"]]
    assert journal(w.rc, m["id"], "path_module")[0]["action"] == "remove"


def test_module_lifecycle(w, base, sessions):
    cand, cid = w.contract()
    m = w.module(cid)
    assert [a["action"] for a in m["actions"]] == ["start", "complete", "abandon", "move_up", "move_down"]
    assert_problem(w.module_act(m["id"], "start", "sponsor"), 403)
    assert_problem(w.module_act(m["id"], "resume"), 409)
    assert_problem(w.module_act(m["id"], "start", version=m["version"] + 5), 409)
    assert w.module_act(m["id"], "start").json()["state"] == "in_progress"
    assert_problem(w.module_act(m["id"], "abandon"), 422, "reason")
    r = w.module_act(m["id"], "abandon", "pole", reason="Le jeune a changé de métier.")
    assert r.status_code == 200 and r.json()["state"] == "abandoned"
    assert journal(w.rc, m["id"], "path_module")[0]["detail"]["payload"]["reason"] == "Le jeune a changé de métier."
    assert w.module_act(m["id"], "resume").json()["state"] == "planned"
    assert w.module_act(m["id"], "complete").json()["state"] == "completed"
    # A completed module stays: it is the record of a training followed.
    r = w.s["employer"].delete(base + f"/api/v1/path-modules/{m['id']}?version={w.get_module(m['id'])['version']}")
    assert_problem(r, 409)
    # The page of a module: its form and its actions, for the structure.
    emp = sessions["employer"]
    page = emp.get(base + f"/contrats/{cid}/parcours/modules/{m['id']}/modifier")
    assert page.status_code == 200 and "Rouvrir le module" in text(page)
    r = emp.post(base + f"/contrats/{cid}/parcours/modules/{m['id']}/actions/reopen",
                 data={"csrf": csrf_from(page.text), "version": str(w.get_module(m["id"])["version"])},
                 allow_redirects=False)
    assert r.status_code == 303 and w.get_module(m["id"])["state"] == "in_progress"
    assert sessions["trainer"].get(base + f"/contrats/{cid}/parcours/modules/{m['id']}/modifier").status_code == 404


def test_late_modules(w, base, sessions):
    cand, cid = w.contract()
    ended = w.module(cid, title="Fin passée", starts_on=today(-20), ends_on=today(-1))
    unstarted = w.module(cid, title="Début passé", starts_on=today(-2), ends_on=today(30))
    running = w.module(cid, title="En cours à l'heure", starts_on=today(-2), ends_on=today(30))
    assert w.module_act(running["id"], "start").status_code == 200
    done = w.module(cid, title="Terminé", starts_on=today(-30), ends_on=today(-10))
    assert w.module_act(done["id"], "complete").status_code == 200
    future = w.module(cid, title="À venir", starts_on=today(5), ends_on=today(9))
    p = w.path(cid, "pole")
    late = {m["title"]: m["late_reason"] for m in p["modules"] if m["late"]}
    assert set(late) == {"Fin passée", "Début passé"}
    assert "fin est passée" in late["Fin passée"] and "pas commencé" in late["Début passé"]
    assert [m["id"] for m in p["late"]] == [ended["id"], unstarted["id"]]
    assert p["progress"]["modules_late"] == 2 and future["late"] is False
    page = sessions["pole"].get(base + f"/contrats/{cid}/parcours")
    assert page.status_code == 200 and "En retard" in text(page) and "Fin passée" in text(page)


# ---------------------------------------------------------------------------------------------
# Sessions: who creates, edits and sees them


def test_who_creates_and_edits_sessions(w, base):
    s = w.session("trainer")
    assert s["state"] == "open" and s["region_code"] == "84" and s["can_edit"] is True
    # A trainer: sessions for recruits, of their own organisation.
    assert_problem(w.new_session("trainer", audience="tutors"), 403)
    assert_problem(w.new_session("trainer", training_org_id=w.other_of), 422, "training_org_id")
    # A pole: tutor trainings in its regions.
    t = w.session("pole", audience="tutors", training_org_id=None)
    assert t["audience"] == "tutors" and t["can_edit"] is True
    assert_problem(w.new_session("pole_other", audience="tutors", training_org_id=None), 422, "region_code")
    assert_problem(w.new_session("pole", audience="recruits", training_org_id=None), 403)
    # Not a structure, a candidate or a regional officer.
    for who in ("employer", "regional", "sponsor"):
        assert_problem(w.new_session(who), 403)
    # National officers: anything, anywhere (a remote session needs no place).
    n = w.session("national", audience="tutors", place_id=None, remote=True, region_code="11", training_org_id=None)
    assert n["region_code"] == "11" and n["remote"] is True
    # Validation: a place or remote, dates in order, the deadline before the end, the minimum within the seats.
    r = w.new_session("trainer", place_id=None, ends_on=today(19), registration_deadline=today(30), capacity=2,
                      min_registrants=3)
    assert {e["field"] for e in assert_problem(r, 422)["errors"]} >= {
        "place_id", "ends_on", "registration_deadline", "min_registrants"}
    # Editing: whoever runs it; the others are refused; a stale edit changes nothing.
    for who in ("trainer_other", "employer", "pole"):
        r = w.s[who].patch(base + f"/api/v1/sessions/{s['id']}", json={"version": s["version"], "capacity": 12})
        assert_problem(r, 403)
    r = w.s["trainer"].patch(base + f"/api/v1/sessions/{s['id']}", json={"version": s["version"], "capacity": 12})
    assert r.status_code == 200 and r.json()["capacity"] == 12
    r = w.s["trainer"].patch(base + f"/api/v1/sessions/{s['id']}", json={"version": s["version"], "capacity": 3})
    assert STALE in assert_problem(r, 409)["detail"]
    # Whoever runs a session keeps running it: the trainers of the organisation a pole chose edit its tutor
    # training; nobody moves a session out of their own reach.
    t2 = w.session("pole", audience="tutors", training_org_id=w.of)
    r = w.s["trainer"].patch(base + f"/api/v1/sessions/{t2['id']}", json={"version": t2["version"], "hours": 10})
    assert r.status_code == 200 and r.json()["hours"] == 10, r.text
    r = w.s["trainer"].patch(base + f"/api/v1/sessions/{s['id']}",
                             json={"version": w.get_session(s["id"])["version"], "training_org_id": w.other_of})
    assert_problem(r, 422, "training_org_id")
    # Everyone signed in reads the catalogue; the candidate too.
    cand, _ = w.contract()
    r = cand["s"].get(base + "/api/v1/sessions?audience=recruits")
    assert r.status_code == 200 and s["id"] in [x["id"] for x in r.json()["items"]]
    assert cand["s"].get(base + f"/api/v1/sessions/{s['id']}").json()["can_edit"] is False


def test_session_cancelled_by_its_runner(w, base, wait_mail):
    cand, cid = w.contract()
    s = w.session()
    assert w.register(s["id"], contract_id=cid).status_code == 201
    wait_mail(cand["email"], "Inscription")
    assert_problem(w.s["trainer_other"].post(base + f"/api/v1/sessions/{s['id']}/actions/cancel",
                                             json={"version": s["version"], "cancel_reason": "x"}), 403)
    r = w.s["trainer"].post(base + f"/api/v1/sessions/{s['id']}/actions/cancel", json={"version": s["version"]})
    assert_problem(r, 422, "cancel_reason")
    r = w.s["trainer"].post(base + f"/api/v1/sessions/{s['id']}/actions/cancel",
                            json={"version": w.get_session(s["id"])["version"],
                                  "cancel_reason": "Le formateur est indisponible."})
    assert r.status_code == 200 and r.json()["state"] == "cancelled"
    body = wait_mail(cand["email"], "Session annulée")
    assert "Le formateur est indisponible." in body
    wait_mail(DEMO_ACCOUNTS["employer"], "Session annulée")
    assert_problem(w.register(s["id"], contract_id=w.contract()[1]), 409)


# ---------------------------------------------------------------------------------------------
# Registrations and the waiting list


def test_registration_rules(w, base):
    cand, cid = w.contract()
    s = w.session(capacity=5)
    # A recruit is registered by their structure, with a contract of theirs.
    assert_problem(w.register(s["id"]), 422, "contract_id")
    assert_problem(w.register(s["id"], "employer_other", contract_id=cid), 403)
    assert_problem(cand["s"].post(base + f"/api/v1/sessions/{s['id']}/registrations", json={"contract_id": cid}),
                   403)
    other_cand, other_cid = w.contract()
    foreign = w.module(other_cid)
    assert_problem(w.register(s["id"], contract_id=cid, path_module_id=foreign["id"]), 422, "path_module_id")
    r = w.register(s["id"], contract_id=cid)
    assert r.status_code == 201 and r.json()["state"] == "registered"
    assert_problem(w.register(s["id"], contract_id=cid), 409)
    # The candidate sees their registration; the structure its recruits; another structure none of them.
    got = cand["s"].get(base + f"/api/v1/sessions/{s['id']}").json()
    assert got["mine"]["state"] == "registered"
    assert [g["person_id"] for g in w.get_session(s["id"], "employer")["registrations"]] == [cand["id"]]
    assert w.get_session(s["id"], "employer_other")["registrations"] == []
    assert [g["person_id"] for g in w.get_session(s["id"], "trainer")["registrations"]] == [cand["id"]]
    # A tutor training: a tutor registers themself; a candidate cannot.
    t = w.session("pole", audience="tutors", training_org_id=None)
    r = w.register(t["id"], "tutor")
    assert r.status_code == 201 and r.json()["state"] == "registered"
    assert_problem(cand["s"].post(base + f"/api/v1/sessions/{t['id']}/registrations", json={}), 403)
    assert_problem(w.register(t["id"], "trainer"), 403)
    # Past the deadline, no registration.
    late = w.session(starts_on=today(-3), ends_on=today(5), registration_deadline=today(-1))
    assert_problem(w.register(late["id"], contract_id=cid), 409)


def test_waiting_list_promoted_in_order(w, base, wait_mail):
    s = w.session(capacity=2)
    people = [w.contract() for _ in range(4)]
    states = []
    regs = []
    for cand, cid in people:
        r = w.register(s["id"], contract_id=cid)
        assert r.status_code == 201, r.text
        states.append(r.json()["state"])
        regs.append(r.json()["id"])
    assert states == ["registered", "registered", "waiting", "waiting"]
    wait_mail(people[2][0]["email"], "Liste d'attente")
    got = w.get_session(s["id"], "trainer")
    assert got["seats_left"] == 0 and got["waiting"] == 2
    assert [g["rank"] for g in got["registrations"]] == [None, None, 1, 2]
    # A waiting person who cancels frees no seat; a registered one does, for the first still waiting.
    assert w.cancel(regs[2], people[2][0]["s"]).status_code == 200
    assert w.cancel(regs[0], w.s["employer"]).status_code == 200
    got = w.get_session(s["id"], "trainer")
    by = {g["id"]: g["state"] for g in got["registrations"]}
    assert by == {regs[0]: "cancelled", regs[1]: "registered", regs[2]: "cancelled", regs[3]: "registered"}
    body = wait_mail(people[3][0]["email"], "Une place s'est libérée")
    assert s["title"] in body
    wait_mail(people[0][0]["email"], "Inscription annulée")
    assert [e["action"] for e in journal(w.rc, regs[3], "registration")] == ["promote", "create"]
    # Cancelling twice, or someone else's registration, is refused.
    assert_problem(w.cancel(regs[0], w.s["employer"]), 409)
    assert_problem(w.cancel(regs[1], w.s["employer_other"]), 403)
    assert_problem(w.cancel(regs[1], people[3][0]["s"]), 403)
    # More seats promote the waiting list too; a cancelled registration may register again, at the end.
    r = w.register(s["id"], contract_id=people[0][1])
    assert r.json()["state"] == "waiting"
    r = w.s["trainer"].patch(base + f"/api/v1/sessions/{s['id']}",
                             json={"version": w.get_session(s["id"])["version"], "capacity": 3})
    assert r.status_code == 200 and r.json()["waiting"] == 0 and r.json()["registered"] == 3
    wait_mail(people[0][0]["email"], "Une place s'est libérée")


# ---------------------------------------------------------------------------------------------
# The scheduled cancellation and the sessions at risk


def test_cancellation_job_on_both_sides_of_the_deadline(w, base, config_path, wait_mail):
    deadline = today(1)
    under = w.session(capacity=5, min_registrants=3, registration_deadline=deadline, starts_on=today(3),
                      ends_on=today(4))
    enough = w.session(capacity=5, min_registrants=1, registration_deadline=deadline, starts_on=today(3),
                       ends_on=today(4))
    tutor_s = w.session("pole", audience="tutors", training_org_id=None, min_registrants=2, capacity=5,
                        registration_deadline=deadline, starts_on=today(3), ends_on=today(4))
    (c1, k1), (c2, k2), (c3, k3) = w.contract(), w.contract(), w.contract()
    assert w.register(under["id"], contract_id=k1).json()["state"] == "registered"
    assert w.register(under["id"], contract_id=k2).json()["state"] == "registered"
    assert w.register(enough["id"], contract_id=k3).json()["state"] == "registered"
    assert w.register(tutor_s["id"], "tutor").json()["state"] == "registered"
    # On the deadline day, nothing happens: people may still register.
    jobs_run(config_path, deadline)
    assert [session_state(x["id"]) for x in (under, enough, tutor_s)] == ["open", "open", "open"]
    # The day after: under the minimum, cancelled, and every registrant and their structure told; at the minimum,
    # confirmed.
    jobs_run(config_path, today(2) + "T08:00")
    assert [session_state(x["id"]) for x in (under, enough, tutor_s)] == ["cancelled", "confirmed", "cancelled"]
    for cand in (c1, c2):
        body = wait_mail(cand["email"], "Session annulée", timeout=30)
        assert under["title"] in body and "minimum de 3" in body
    wait_mail(DEMO_ACCOUNTS["employer"], "Session annulée", timeout=30)
    wait_mail(w.tutor["_email"], "Session annulée", timeout=30)
    got = w.get_session(under["id"])
    assert "2 inscrits pour un minimum de 3" in got["cancel_reason"] and "(s)" not in got["cancel_reason"]
    entry = journal(w.rc, under["id"], "training_session")[0]
    assert entry["action"] == "cancel_under_minimum" and entry["detail"]["to"] == "cancelled"
    assert journal(w.rc, enough["id"], "training_session")[0]["action"] == "confirm"
    # A second run changes nothing more.
    jobs_run(config_path, today(2) + "T09:00")
    assert session_state(enough["id"]) == "confirmed"
    assert_problem(w.register(enough["id"], contract_id=w.contract()[1]), 409)


def test_sessions_at_risk_a_week_ahead(w, base, sessions):
    risky = w.session("pole", audience="tutors", training_org_id=None, min_registrants=3, capacity=8,
                      registration_deadline=today(3), starts_on=today(8), ends_on=today(9))
    safe = w.session(min_registrants=1, registration_deadline=today(3), starts_on=today(8), ends_on=today(9))
    later = w.session(min_registrants=3, registration_deadline=today(12), starts_on=today(15), ends_on=today(16))
    far = w.session("national", min_registrants=3, registration_deadline=today(3), place_id=None, remote=True,
                    region_code="11", starts_on=today(8), ends_on=today(9))
    assert w.register(safe["id"], contract_id=w.contract()[1]).status_code == 201
    r = w.s["pole"].get(base + "/api/v1/sessions/at-risk")
    assert r.status_code == 200, r.text
    ids = [x["id"] for x in r.json()["items"]]
    assert risky["id"] in ids and safe["id"] not in ids and later["id"] not in ids and far["id"] not in ids
    ids = [x["id"] for x in w.s["pole_other"].get(base + "/api/v1/sessions/at-risk").json()["items"]]
    assert far["id"] in ids and risky["id"] not in ids
    ids = [x["id"] for x in w.s["national"].get(base + "/api/v1/sessions/at-risk").json()["items"]]
    assert {risky["id"], far["id"]} <= set(ids)
    # A pole cannot ask for another pole's regions.
    ids = [x["id"] for x in w.s["pole"].get(base + "/api/v1/sessions/at-risk?regions=11").json()["items"]]
    assert far["id"] not in ids
    assert_problem(w.s["employer"].get(base + "/api/v1/sessions/at-risk"), 403)
    ids = [x["id"] for x in w.s["pole"].get(base + "/api/v1/sessions?at_risk=1&per_page=200").json()["items"]]
    assert risky["id"] in ids and safe["id"] not in ids
    # The pages.
    page = sessions["pole"].get(base + "/sessions/a-risque")
    assert page.status_code == 200 and risky["title"] in text(page) and far["title"] not in text(page)
    page = sessions["pole"].get(base + "/sessions?a_risque=1")
    assert page.status_code == 200 and risky["title"] in text(page) and safe["title"] not in text(page)
    assert sessions["employer"].get(base + "/sessions/a-risque").status_code == 403


# ---------------------------------------------------------------------------------------------
# Attendance completes a module


def test_attendance_completes_a_module(w, base, sessions):
    cand, cid = w.contract()
    m = w.module(cid, title="Conception 2D et 3D", hours_planned=14)
    s = w.session(starts_on=today(-1), ends_on=today(), registration_deadline=today(), hours=14)
    r = w.register(s["id"], contract_id=cid, path_module_id=m["id"])
    assert r.status_code == 201, r.text
    # Only whoever runs the session records attendance.
    for who in ("employer", "pole", "trainer_other"):
        assert_problem(w.attend(s["id"], [{"person_id": cand["id"], "day": today(-1), "present": True}], who), 403)
    assert_problem(w.attend(s["id"], [{"person_id": cand["id"], "day": today(5), "present": True, "hours": 7}]),
                   422, "day")
    assert_problem(w.attend(s["id"], [{"person_id": person_id(DEMO_ACCOUNTS["sponsor"]), "day": today(-1)}]), 422,
                   "person_id")
    r = w.attend(s["id"], [{"person_id": cand["id"], "day": today(-1), "present": True, "hours": 7}])
    assert r.status_code == 200, r.text
    got = w.get_module(m["id"])
    assert (got["hours_done"], got["state"]) == (7, "in_progress")
    # Hours of presence for someone marked absent are not dropped silently: refused, naming the row's hours.
    p = assert_problem(w.attend(s["id"], [{"person_id": cand["id"], "day": today(-1), "present": False, "hours": 7}]),
                       422, f"hours-{cand['id']}")
    assert "alors que « Présent(e) » n'est pas coché" in field_message(p, f"hours-{cand['id']}")
    assert w.get_module(m["id"])["hours_done"] == 7
    # The day is recorded again (absent): hours go back; then both days present complete the module.
    w.attend(s["id"], [{"person_id": cand["id"], "day": today(-1), "present": False, "hours": 0}])
    assert w.get_module(m["id"])["hours_done"] == 0
    r = w.attend(s["id"], [{"person_id": cand["id"], "day": today(-1), "present": True, "hours": 7},
                           {"person_id": cand["id"], "day": today(), "present": True, "hours": 7}])
    assert r.status_code == 200, r.text
    got = w.get_module(m["id"])
    assert (got["hours_done"], got["state"]) == (14, "completed")
    actions = [e["action"] for e in journal(w.rc, m["id"], "path_module")]
    assert actions[0] == "complete" and "start" in actions and "hours" in actions
    p = w.path(cid)
    assert p["progress"]["hours_done"] == 14 and p["progress"]["percent"] == 100
    assert p["registrations"][0]["session_id"] == s["id"]
    # The attendance page of the trainer, and its form.
    tr = sessions["trainer"]
    page = tr.get(base + f"/sessions/{s['id']}/presences?jour={today()}")
    assert page.status_code == 200 and cand["name"] in text(page)
    r = tr.post(base + f"/sessions/{s['id']}/presences", data={
        "csrf": csrf_from(page.text), "day": today(), "person": str(cand["id"]),
        f"present-{cand['id']}": "1", f"hours-{cand['id']}": "99"}, allow_redirects=False)
    assert r.status_code == 422 and "Erreur" in text(r)
    r = tr.post(base + f"/sessions/{s['id']}/presences", data={
        "csrf": csrf_from(page.text), "day": today(), "person": str(cand["id"]),
        f"present-{cand['id']}": "1", f"hours-{cand['id']}": "6"}, allow_redirects=False)
    assert r.status_code == 303, r.text[:2000]
    assert w.get_module(m["id"])["hours_done"] == 13
    # Unticked with the hours the sheet proposed: an absence. Unticked with hours typed in: asked, nothing saved.
    r = tr.post(base + f"/sessions/{s['id']}/presences", data={
        "csrf": csrf_from(page.text), "day": today(), "person": str(cand["id"]), f"hours-{cand['id']}": "4",
        f"hours-{cand['id']}-shown": "6"}, allow_redirects=False)
    assert r.status_code == 422 and "cochez « Présent(e) », ou mettez 0 pour une absence" in text(r)
    assert w.get_module(m["id"])["hours_done"] == 13
    r = tr.post(base + f"/sessions/{s['id']}/presences", data={
        "csrf": csrf_from(page.text), "day": today(), "person": str(cand["id"]), f"hours-{cand['id']}": "6",
        f"hours-{cand['id']}-shown": "6"}, allow_redirects=False)
    assert r.status_code == 303 and w.get_module(m["id"])["hours_done"] == 7
    assert sessions["employer"].get(base + f"/sessions/{s['id']}/presences").status_code == 403


def test_a_module_of_no_hours_completes_when_every_day_is_present(w, base):
    cand, cid = w.contract()
    m = w.module(cid, title="Formation initiale certifiante en organisme habilité (4 mois)", hours_planned=0)
    s = w.session(starts_on=today(-2), ends_on=today(), registration_deadline=today(), hours=0)
    assert w.register(s["id"], contract_id=cid, path_module_id=m["id"]).status_code == 201
    # The session's days: its weekdays, and the weekend it starts or ends in (tests/unit/training/test_days.c).
    days = [d["day"] for d in w.s["trainer"].get(base + f"/api/v1/sessions/{s['id']}/attendance").json()["days"]]
    assert days[0] == today(-2) and days[-1] == today()
    w.attend(s["id"], [{"person_id": cand["id"], "day": d, "present": True, "hours": 0} for d in days[:-1]])
    assert w.get_module(m["id"])["state"] == "planned"
    w.attend(s["id"], [{"person_id": cand["id"], "day": days[-1], "present": True, "hours": 0}])
    assert w.get_module(m["id"])["state"] == "completed"


# ---------------------------------------------------------------------------------------------
# Tutor training


def test_tutor_training_record_and_the_tutors_without(w, base, make_account, sessions):
    trained = make_account("employer", organisation_id=w.rc.demo_org, name=unique("Tuteur formé "))
    untrained = make_account("employer", organisation_id=w.rc.demo_org, name=unique("Tuteur à former "))
    w.contract(trained["_email"])
    w.contract(untrained["_email"])
    ts = w.rc.who(trained["_email"])
    s = w.session("pole", audience="tutors", training_org_id=None, starts_on=today(-1), ends_on=today(),
                  registration_deadline=today(), hours=12)
    r = ts.post(base + f"/api/v1/sessions/{s['id']}/registrations", json={})
    assert r.status_code == 201, r.text
    # The pole runs a tutor training: it records attendance; the trainers of an organisation do not.
    assert_problem(w.attend(s["id"], [{"person_id": trained["id"], "day": today(-1), "present": True}], "trainer"),
                   403)
    r = w.attend(s["id"], [{"person_id": trained["id"], "day": today(-1), "present": True, "hours": 6}], "pole")
    assert r.status_code == 200, r.text
    # The tutor's record: the tutor, their structure, the pole of their region, national officers.
    for sess in (ts, w.s["employer"], w.s["pole"], w.s["national"]):
        r = sess.get(base + f"/api/v1/tutors/{trained['id']}")
        assert r.status_code == 200, r.text
    rec = r.json()
    assert rec["followed"] == 1 and rec["trainings"][0]["hours_present"] == 6
    assert rec["trainings"][0]["session_id"] == s["id"]
    for who in ("employer_other", "pole_other", "trainer", "sponsor"):
        assert_problem(w.s[who].get(base + f"/api/v1/tutors/{trained['id']}"), 403)
    # The pole sees the tutors of its regions with no training; another pole, none of these.
    ids = [t["id"] for t in w.s["pole"].get(base + "/api/v1/tutors?without_training=1").json()["items"]]
    assert untrained["id"] in ids and trained["id"] not in ids
    ids = [t["id"] for t in w.s["pole"].get(base + "/api/v1/tutors").json()["items"]]
    assert {untrained["id"], trained["id"]} <= set(ids)
    ids = [t["id"] for t in w.s["pole_other"].get(base + "/api/v1/tutors?without_training=1").json()["items"]]
    assert untrained["id"] not in ids
    # The pages.
    page = sessions["pole"].get(base + "/tuteurs?sans_formation=1")
    assert page.status_code == 200 and untrained["name"] in text(page) and trained["name"] not in text(page)
    page = sessions["pole"].get(base + f"/tuteurs/{trained['id']}")
    assert page.status_code == 200 and s["title"] in text(page)
    assert sessions["trainer"].get(base + "/tuteurs").status_code == 403


# ---------------------------------------------------------------------------------------------
# The pages of sessions


def test_session_pages(w, base, sessions):
    _, cid = w.contract()
    m = w.module(cid, title="Fabrication numérique")
    tr, emp = sessions["trainer"], sessions["employer"]
    # The trainer creates a session through the form.
    page = tr.get(base + "/sessions/nouvelle")
    assert page.status_code == 200 and OF in text(page)
    r = tr.post(base + "/sessions/nouvelle", data={"csrf": csrf_from(page.text), "audience": "recruits"},
                allow_redirects=False)
    assert r.status_code == 422 and "Erreur" in text(r)
    title = unique("Atelier ")
    r = tr.post(base + "/sessions/nouvelle", data={
        "csrf": csrf_from(page.text), "programme_id": str(w.eav), "audience": "recruits", "title": title,
        "training_org_id": str(w.of), "place_id": PLACE, "starts_on": today(20), "ends_on": today(22),
        "hours": "21", "capacity": "8", "min_registrants": "2", "registration_deadline": today(12)},
        allow_redirects=False)
    assert r.status_code == 303, text(r)[:3000]
    sid = int(r.headers["location"].rsplit("/", 1)[1])
    # The list, for the roles of the navigation.
    for role in ("trainer", "pole", "employer", "national", "admin", "candidate"):
        page = sessions[role].get(base + "/sessions")
        assert page.status_code == 200 and 'href="/sessions"' in page.text, role
    assert title in text(tr.get(base + "/sessions?les_miennes=1"))
    # The structure registers a recruit with the module of their path.
    page = emp.get(base + f"/sessions/{sid}")
    assert page.status_code == 200 and "Inscrire" in text(page) and "Fabrication numérique" in text(page)
    r = emp.post(base + f"/sessions/{sid}/inscriptions", data={"csrf": csrf_from(page.text)}, allow_redirects=False)
    assert r.status_code == 422 and "Erreur" in text(r)
    r = emp.post(base + f"/sessions/{sid}/inscriptions", data={
        "csrf": csrf_from(page.text), "contract_id": str(cid), "path_module_id": str(m["id"])}, allow_redirects=False)
    assert r.status_code == 303
    page = emp.get(base + f"/sessions/{sid}")
    assert "une place est réservée" in text(page)
    reg = w.get_session(sid, "employer")["registrations"][0]
    assert reg["path_module_id"] == m["id"]
    r = emp.post(base + f"/inscriptions/{reg['id']}/annuler", data={"csrf": csrf_from(page.text)},
                 allow_redirects=False)
    assert r.status_code == 303 and w.get_session(sid)["registered"] == 0
    # The trainer edits and cancels it.
    page = tr.get(base + f"/sessions/{sid}/modifier")
    assert page.status_code == 200 and title in text(page)
    assert emp.get(base + f"/sessions/{sid}/modifier").status_code == 403
    page = tr.get(base + f"/sessions/{sid}")
    assert "Annuler la session" in text(page) and "Relever les présences" in text(page)
    r = tr.post(base + f"/sessions/{sid}/actions/cancel", data={
        "csrf": csrf_from(page.text), "version": str(w.get_session(sid)["version"])}, allow_redirects=False)
    assert r.status_code == 422
    r = tr.post(base + f"/sessions/{sid}/actions/cancel", data={
        "csrf": csrf_from(page.text), "version": str(w.get_session(sid)["version"]),
        "cancel_reason": "Trop peu d'inscrits."}, allow_redirects=False)
    assert r.status_code == 200 and "Annuler cette session ?" in text(r) and session_state(sid) != "cancelled"
    r = tr.post(base + f"/sessions/{sid}/actions/cancel", data={
        "csrf": csrf_from(page.text), "version": str(w.get_session(sid)["version"]),
        "cancel_reason": "Trop peu d'inscrits.", "confirmed": "1"})
    assert f"La session n° {sid} est annulée" in text(r) and session_state(sid) == "cancelled"
    assert "Trop peu d'inscrits." in text(tr.get(base + f"/sessions/{sid}"))


def test_session_place_picker(w, base, sessions):
    """The session's place is chosen by its name in the whole directory (a place of another structure too), the
    trainer's own places suggested; a name that fits none, or several, is asked again with the matches."""
    tr = sessions["trainer"]
    label = sql(f"SELECT nom || ' — ' || commune FROM places WHERE id = '{PLACE}'")
    page = tr.get(base + "/sessions/nouvelle")
    assert 'list="place_id-lieux"' in page.text and '<datalist id="place_id-lieux">' in page.text
    form = {"csrf": csrf_from(page.text), "programme_id": str(w.eav), "audience": "recruits",
            "training_org_id": str(w.of), "starts_on": today(20), "ends_on": today(22), "hours": "21",
            "capacity": "8", "min_registrants": "2", "registration_deadline": today(12)}
    r = tr.post(base + "/sessions/nouvelle", data={**form, "title": unique("Atelier "), "place_id": label},
                allow_redirects=False)
    assert r.status_code == 303, text(r)[:2000]
    sid = int(r.headers["location"].rsplit("/", 1)[1])
    assert w.get_session(sid)["place_id"] == PLACE
    # The edit form shows the place by its name, not its id.
    assert f'value="{label}"' in text(tr.get(base + f"/sessions/{sid}/modifier"))
    r = tr.post(base + "/sessions/nouvelle", data={**form, "title": unique("Atelier "), "place_id": "Nulle Part Ici"})
    assert r.status_code == 422
    assert "« Lieu » : aucun lieu de l'annuaire ne s'appelle « Nulle Part Ici »" in text(r)
    # Two places of one name: both offered, as radios; the one chosen is kept.
    twin = unique("Tiers-lieu jumeau ")
    for commune, postal, insee in (("Reims", "51100", "51454"), ("Crest", "26400", "26108")):
        r = w.api.post(base + "/api/v1/places", json={
            "nom": twin, "commune": commune, "code_postal": postal, "code_insee": insee, "pivot": "43493312300029",
            "adresse": f"{unique('')} rue des Jumeaux", "services": "Aide aux démarches administratives"})
        assert r.status_code == 201, r.text
    r = tr.post(base + "/sessions/nouvelle", data={**form, "title": unique("Atelier "), "place_id": twin})
    assert r.status_code == 422 and "plusieurs lieux correspondent" in text(r)
    assert "choisissez parmi les lieux trouvés" in text(r) and f"{twin} — Crest" in text(r)
