"""The authorization matrix: every route of the route table (read from the binary with `tremplin routes --json`)
for every actor, against the access class the route declares (src/app/routes.c; docs/SECURITY.md, "Authorization
matrix"). Two tenants: A is the demo's story (the structure of the Drôme in region 84, its dossier, offer,
application and contract; the demo candidate, who accepted the Mission locale as follower; the Centre-Est pole), B
is built here in Île-de-France (region 11) with the word MARK in its structure's and employer's names, its dossier's
texts and its application's message, so that no answer to an actor of A may show it (and no answer to an actor of
B the demo candidate's name), lists and exports (CSV, XLSX) included.

Each {id} of a route names tenant A's object of the declared kind; the actors are placed relative to it (own
organisation / another, own region / another, the candidate themselves / another, the prescriber they accepted /
one they did not, anonymous). Expected answers:
- anonymous: the public routes answer; any other sends to /connexion (pages) or answers 401 (API);
- a signed-in actor whose role the route's mask leaves out: 403 (the router's, before any object is read);
- within the mask: allowed when ALLOWED[class] (or ALLOWED[class, object]) names the actor, else 404 — what the
  actor may not see does not exist for them.
GET routes are checked for every actor; routes that change state are sent by every actor that must be refused
(with a valid CSRF token or a bearer token), which must get its refusal with nothing changed in the database."""
import functools
import html
import io
import json
import os
import re
import zipfile

import pytest
import requests

from conftest import (DATABASE, DEMO_ACCOUNTS, DEMO_PASSWORD, ENGINE, csrf_from, org_id, paris_today, person_id,
                      run_cli, sql, sql_int, unique)
from test_applications import PASSWORD, Recruitment
from test_poles import checklist, company

MARK = "Zorglub"  # in tenant B's private names and texts
DEMO_CANDIDATE_NAME = "Chloé Candidate"
DEMO_ORG = "Les Ateliers numériques de la vallée de la Drôme"
ML_ORG = "Mission locale Vallée de la Drôme"
OF = "Médiation Formation Rhône-Alpes"
POLE_ORG = "Pôle de ressources Centre-Est"
PLACE_A = "demo-ateliers-numeriques-crest"
PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
       b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

ACTORS = ["anonymous", "admin", "national", "regional", "regional_other", "pole", "pole_other", "employer",
          "employer_other", "prescriber", "prescriber_other", "trainer", "trainer_other", "candidate",
          "candidate_other", "sponsor", "viewer", "payer", "payer_other"]
ROLE_OF = {a: a.split("_")[0] for a in ACTORS}
SIGNED = set(ACTORS) - {"anonymous"}
# Oversight of tenant A: the national delegation and the officers and pole of region 84.
OVERSIGHT = {"admin", "national", "regional", "pole"}

# Which actors reach tenant A's object, per access class, or per class and object kind where the kind narrows it;
# the roles mask of the route narrows it further (403). The others get 404.
PARTY = OVERSIGHT | {"employer", "candidate", "prescriber"}  # the prescriber the candidate accepted follows them
SUBSIDY_READERS = OVERSIGHT | {"employer", "payer", "viewer"}
ALLOWED = {
    "public": set(ACTORS),
    ("public", "link"): set(),  # a made-up link token does not exist for anyone
    ("public", "journal_head"): set(),  # a day whose head was not published does not exist for anyone
    ("public", "metrics"): set(),  # /metrics answers the addresses of [metrics] allow only: none on the test server
    ("public", "oidc_provider"): set(),  # no OpenID provider is configured on the matrix's server: 404 for all
    ("org", "oidc_pending"): {"admin"},  # an account waiting, matched to no structure: the admins decide
    "role": SIGNED,
    "list": SIGNED,
    "self": SIGNED,
    ("self", "token"): {"candidate", "admin"},
    ("self", "webhook"): {"employer", "admin"},  # a webhook subscription: its owner; admins see every one  # the candidate's token: its owner; admins revoke any token
    ("self", "follower"): {"candidate"},  # the candidate's follower (the Mission locale)
    ("self", "person"): {"candidate", "admin"},  # the candidate's account record
    ("self", "organisation"): {"employer", "admin", "national"},  # the structure's record: its members
    "org": OVERSIGHT | {"employer"},
    ("org", "tutor"): {"admin", "national", "pole", "employer"},  # a tutor's training record
    ("org", "pole"): {"admin", "national", "pole"},  # a pole: its people, national officers
    ("org", "annual_report"): OVERSIGHT | {"viewer"},  # a région's annual report: its officers and pole, national
    ("list", "tutor"): SIGNED - {"regional", "regional_other"},  # the tutors: not the regional officers
    ("org_staff", "offer_journal"): {"employer"},  # an offer's journal: its structure
    ("org_staff", "path"): {"employer", "pole"},  # a path is changed by the structure and the pole
    ("org_staff", "path_module"): {"employer", "pole"},
    "org_staff": {"admin", "national", "employer"},
    ("org_staff", "draft_dossier"): {"employer"},  # a draft is its structure's alone (admins read it)
    ("org_staff", "session"): {"admin", "national", "trainer"},  # the training organisation running it
    ("org_staff", "partner"): {"admin", "national", "pole"},  # the vivier: the pole of the company's region
    ("org_staff", "pole"): {"admin", "national"},
    "party": PARTY,
    ("party", "contract"): PARTY | {"sponsor"},
    ("party", "path"): PARTY | {"sponsor"},  # whoever reads the contract reads its path (contract_scope)
    ("party", "path_module"): PARTY | {"sponsor"},
    ("party", "registration"): {"admin", "national", "employer", "trainer", "candidate"},
    "consent": PARTY,
    # Subsidies (docs/SUBSIDIES.md, "Who sees what"): the employer, the regional officer and pole of the region, the
    # paying agency of the programme, national officers, steering members (read); payment orders: national officers
    # and the paying agency; bank details: the employers, the paying agency, national officers, the operator.
    ("org", "aid_decision"): SUBSIDY_READERS,
    ("org", "payment_request"): SUBSIDY_READERS,
    ("org", "recovery"): SUBSIDY_READERS,
    ("org", "convention"): SUBSIDY_READERS,
    ("org", "post"): SUBSIDY_READERS,
    ("org", "amendment"): SUBSIDY_READERS,
    ("org", "payment_order"): {"admin", "national", "payer"},
    ("org", "bank"): {"admin", "national", "employer", "payer"},
    ("org_staff", "bank"): {"admin", "employer"},  # written by its employers (or the operator)
    ("org_staff", "aid_decision"): {"admin", "national", "regional", "employer"},  # its schedule's changes
    ("org_staff", "convention"): {"admin", "employer"},  # an amendment is asked by the employer
    ("org_staff", "post"): {"admin", "employer"},  # a post's payment request: the employer
    ("org_staff", "contract"): {"admin", "national", "regional"},  # an aid decision: the contract's region
    # Activity reports (issue 13): an adviser their own, the employer its advisers', poles and regional officers
    # their regions, national officers and steering members everything; changed by their adviser (or an admin).
    ("org", "activity_report"): OVERSIGHT | {"employer", "candidate", "viewer"},
    ("org_staff", "activity_report"): {"candidate", "admin"},
    "followed": {"admin", "candidate", "prescriber"},
}
# Kinds whose refusal may be 403: the object is readable by other means (public places, offers, poles; the
# catalogue of sessions; the vivier and the library), or the refusal comes before any lookup, the same for every
# id (a person's or an organisation's record, a tutor's training record). Any other refusal is 404: what the
# actor may not see does not exist for them.
FORBIDDEN_TELLS_NOTHING = {"place", "offer", "pole", "session", "partner", "resource", "person", "organisation",
                           "tutor", "programme", "job_profile", "competence", "training_org"}
# The fields some writes name a second object with (kind of tenant A's object).
EXTRA = {"/api/v1/offers/{id}/proposals": {"candidate_id": "candidate"},
         "/api/v1/sessions/{id}/registrations": {"contract_id": "contract"},
         "/sessions/{id}/inscriptions": {"contract_id": "contract"}}
# Query strings some lists require.
QUERY = {"/api/v1/partners/suggestions": "?region=84&job_profile_id={job_profile}"}


# The table of each object kind (for its version).
TABLES = {"dossier": "dossiers", "draft_dossier": "dossiers", "offer": "offers", "application": "applications",
          "contract": "contracts", "path_module": "path_modules", "session": "training_sessions",
          "diagnosis": "pole_diagnoses", "partner": "partner_companies", "pole": "poles", "person": "people",
          "organisation": "organisations", "programme": "programmes", "job_profile": "job_profiles",
          "competence": "competences", "training_org": "organisations", "registration": "session_registrations"}


def readers(kind):
    """Who reads tenant A's object of KIND (to them a refusal to act on it may be 403)."""
    return {"dossier": ALLOWED["org"], "draft_dossier": {"employer", "admin"}, "application": PARTY,
            "contract": ALLOWED[("party", "contract")], "path": ALLOWED[("party", "path")],
            "path_module": ALLOWED[("party", "path")], "candidate": PARTY, "diagnosis": ALLOWED["org"],
            "registration": ALLOWED[("party", "registration")], "offer_journal": set(ACTORS),
            "activity_report": ALLOWED[("org", "activity_report")], "aid_decision": ALLOWED[("org", "aid_decision")],
            "convention": ALLOWED[("org", "convention")], "post": ALLOWED[("org", "post")],
            "bank": ALLOWED[("org", "bank")]}.get(kind, set())


def allowed(route, actor):
    key = (route["access"], route["object"])
    return actor in (ALLOWED[key] if key in ALLOWED else ALLOWED[route["access"]])


def in_mask(route, actor):
    return not route["roles"] or route["roles"] == ["*"] or ROLE_OF[actor] in route["roles"]


def expected(route, actor):
    """What ACTOR must get from ROUTE: "ok", "login", 403 or 404."""
    if route["access"] == "public":
        return "ok" if allowed(route, actor) else 404
    if actor == "anonymous":
        return "login"
    if not in_mask(route, actor):
        return 403
    return "ok" if allowed(route, actor) else 404


def agrees(route, got, want, actor):
    """Whether GOT is WANT, or a 403 where a 404 was expected but the 403 tells the actor nothing."""
    return got == want or (want == 404 and got == 403 and (route["object"] in FORBIDDEN_TELLS_NOTHING or
                                                          actor in readers(route["object"])))


def outcome(route, r):
    """The answer R as "ok", "login", or its status."""
    if r.status_code in (302, 303) and "/connexion" in r.headers.get("location", ""):
        return "login"
    if route["api"] and r.status_code == 401:
        return "login"
    if r.status_code < 400 or (route["changes"] and r.status_code in (400, 409, 413, 415, 422)):
        return "ok"
    return r.status_code


# ---------------------------------------------------------------------------------------------
# The routes, from the binary


def routes():
    r = run_cli("routes", "--json", database=False)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


ROUTES = routes()


def route_id(route):
    return f"{route['method']} {route['pattern']}"


# ---------------------------------------------------------------------------------------------
# The two tenants


class Tenants:
    def __init__(self, base, api, make_account, login):
        self.base = base
        rc = self.rc = Recruitment(base, api, make_account)
        emails = {r: DEMO_ACCOUNTS[r] for r in ("admin", "national", "regional", "pole", "employer", "prescriber",
                                                  "trainer", "candidate", "sponsor", "viewer", "payer")}
        passwords = {a: DEMO_PASSWORD for a in emails}

        def account(actor, role, marked=False, **fields):
            name = f"{MARK} {actor}" if marked else unique("Matrice ")
            p = make_account(role, password=PASSWORD, name=name, **fields)
            emails[actor], passwords[actor] = p["_email"], PASSWORD
            return p

        # Tenant B: a structure of Paris, its regional officer, pole, prescriber, training organisation.
        def org(kind, prefix="Matrice"):
            r = api.post(base + "/api/v1/organisations", json={"name": unique(f"{prefix} {kind} "), "kind": kind})
            assert r.status_code == 201, r.text
            return r.json()["id"]

        self.org_b = org("employer", MARK)
        account("employer_other", "employer", marked=True, organisation_id=self.org_b)
        account("regional_other", "regional", regions="11")
        account("pole_other", "pole", organisation_id=org_id(POLE_ORG), regions="11")
        account("prescriber_other", "prescriber", organisation_id=org("prescriber"))
        account("trainer_other", "trainer", organisation_id=org("trainer"))
        cand_b = rc.candidate()
        emails["candidate_other"], passwords["candidate_other"] = cand_b["email"], PASSWORD
        self.emails, self.passwords = emails, passwords

        self.bearer = {a: rc.who(e) for a, e in emails.items()}
        self.bearer["anonymous"] = requests.Session()
        self._web, self._csrf, self._login = {}, {}, login

        # Tenant B's dossier, offer, application and contract, in region 11.
        b = self.bearer
        r = b["employer_other"].post(base + "/api/v1/places", json={
            "pivot": "43493312300029", "nom": "EPN de la matrice à Paris", "commune": "Paris", "code_postal": "75011",
            "code_insee": "75056", "adresse": "12 rue Oberkampf", "services": "Aide aux démarches administratives"})
        assert r.status_code == 201, r.text
        rc.places[emails["employer_other"]] = r.json()["id"]
        self.dossier_b = self.dossier(emails["employer_other"], "regional_other", "ile-de-france-centre")
        self.offer_b = rc.offer(self.dossier_b, employer=emails["employer_other"])
        app_b = rc.apply(cand_b, self.offer_b, message=f"{MARK} : je voudrais travailler à Paris.")
        r = rc.act(b["employer_other"], app_b["id"], "accept",
                   **rc.terms(tutor_email=emails["employer_other"], sponsor_name=f"{MARK} Parrain"))
        assert r.status_code == 200, r.text[:1000]
        self.contract_b = r.json()["contract_id"]
        self.cand_b = cand_b

        # The paying agencies: the demo's pays tenant A's programmes; another pays none of them.
        asp = org_id("Agence de services et de paiement")
        items = requests.get(base + "/api/v1/programmes").json()["items"]
        self.cnfs = next(x["id"] for x in items if x["code"] == "CNFS-2020")
        for pid in (rc.eav["id"], self.cnfs):
            r = api.post(base + f"/api/v1/organisations/{asp}/paid-programmes", json={"programme_id": pid})
            assert r.status_code == 200, r.text
        self.payer_other_org = org("payer")
        account("payer_other", "payer", organisation_id=self.payer_other_org)
        self.bearer["payer_other"] = rc.who(emails["payer_other"])

        # Tenant A: the demo's story, completed with what it lacks (a CV, a dossier waiting, a preliminary
        # diagnosis, a resource, a partner, a training session with a registration).
        self.org_a = org_id(DEMO_ORG)
        self.cand_a = person_id(DEMO_ACCOUNTS["candidate"])
        ids = {}
        ids["dossier"] = sql_int(f"SELECT MIN(id) FROM dossiers WHERE organisation_id = {self.org_a}")
        ids["offer"] = sql_int(f"SELECT MIN(id) FROM offers WHERE organisation_id = {self.org_a}")
        ids["application"] = sql_int(f"SELECT MIN(id) FROM applications WHERE candidate_id = {self.cand_a}")
        ids["contract"] = sql_int(f"SELECT MIN(id) FROM contracts WHERE candidate_id = {self.cand_a}")
        ids["candidate"] = self.cand_a
        ids["person"] = self.cand_a
        ids["organisation"] = self.org_a
        ids["pole"] = sql_int("SELECT id FROM poles WHERE code = 'centre-est'")
        ids["programme"] = sql_int("SELECT id FROM programmes WHERE code = 'EAV-EPN-2013'")
        ids["job_profile"] = sql_int("SELECT MIN(id) FROM job_profiles")
        ids["competence"] = sql_int("SELECT MIN(id) FROM competences")
        ids["training_org"] = org_id(OF)
        ids["follower"] = org_id(ML_ORG)
        ids["path_module"] = sql_int(f"SELECT MIN(id) FROM path_modules WHERE contract_id = {ids['contract']}")
        ids["membership"] = sql_int(f"SELECT MIN(id) FROM memberships WHERE person_id = {self.cand_a}")
        ids["tutor"] = person_id(DEMO_ACCOUNTS["employer"])
        ids["place"] = PLACE_A
        ids["link"] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        ids["oidc_provider"] = "proconnect"
        waiting = unique("attente") + "@exemple.fr"
        sql(f"INSERT INTO people (email, name, active, created_at, updated_at, confirmed_at) VALUES ('{waiting}', "
            f"'Compte en attente', 0, 0, 0, 0)")
        sql(f"INSERT INTO oidc_pending (kind, provider, sub, email, name, claims, person_id, state, created_at) VALUES "
            f"('account', 'proconnect', '{waiting}', '{waiting}', 'Compte en attente', '{{}}', {person_id(waiting)}, "
            f"'pending', 0)")
        ids["oidc_pending"] = sql_int(f"SELECT id FROM oidc_pending WHERE email = '{waiting}'")
        ids["region"] = "84"
        r = b["candidate"].post(base + "/api/v1/tokens", json={"name": "matrice"})
        assert r.status_code == 201, r.text
        ids["token"] = r.json()["id"]
        s = self.web("candidate")
        r = s.post(base + "/candidat/cv", data={"csrf": self.csrf("candidate")},
                   files={"cv": ("cv.pdf", PDF, "application/pdf")}, allow_redirects=False)
        assert r.status_code == 303, r.text[:500]
        s = self.web("candidate_other")
        r = s.post(base + "/candidat/cv", data={"csrf": self.csrf("candidate_other")},
                   files={"cv": ("cv.pdf", PDF, "application/pdf")}, allow_redirects=False)
        assert r.status_code == 303, r.text[:500]
        ids["path"] = ids["contract"]
        ids["draft_dossier"] = self.dossier(DEMO_ACCOUNTS["employer"], "regional", "centre-est", submit=False,
                                              mark="Brouillon")
        ids["diagnosis"] = self.diagnosis(ids["dossier"])
        r = b["pole"].post(base + "/api/v1/resources", data={"title": "Guide de la matrice", "kind": "file"},
                           files={"file": ("guide.pdf", PDF)})
        assert r.status_code == 201, r.text
        ids["resource"] = r.json()["id"]
        r = b["pole"].post(base + "/api/v1/partners", json=company({"profile_id": rc.profile_id}))
        assert r.status_code == 201, r.text
        ids["partner"] = r.json()["id"]
        ids["session"], ids["registration"] = self.session(ids["programme"], ids["contract"])
        ids["indicator"] = "posts_summary"
        ids["opendata_file"] = "agregats.csv"
        ids["news"] = sql_int("SELECT MIN(id) FROM news_items")
        # A webhook subscription of tenant A's structure, paused at once (nothing is delivered to it).
        r = b["employer"].post(base + "/api/v1/webhooks", json={"url": "http://127.0.0.1:9/matrice", "events": ["dossier"]})
        assert r.status_code == 201, r.text
        ids["webhook"] = r.json()["id"]
        assert b["employer"].post(base + f"/api/v1/webhooks/{ids['webhook']}/pause").status_code == 200
        r = run_cli("report", "annual", "--programme", str(ids["programme"]), "--year", "2026", "--region", "84",
                    "--output", os.devnull)
        assert r.returncode == 0, r.stderr
        ids["annual_report"] = sql_int("SELECT MAX(id) FROM annual_reports WHERE region_code = '84'")
        ids["payer_org"] = asp
        ids["vocab_code"] = "themes"
        ids["aid_rule"] = sql_int("SELECT MIN(id) FROM aid_rules")
        self.subsidies(ids)
        self.activity(ids)
        self.ids = ids
        for actor in ACTORS:  # every sign-in before the first digest (a sign-in writes people.last_login_at)
            self.csrf(actor)

    def subsidies(self, ids):
        """Tenant A's bank details, aid decision, payment request (approved, ordered, paid), payment order, recovery,
        convention, post and amendment; tenant B's bank details, aid decision and convention, marked."""
        base, b, rc = self.base, self.bearer, self.rc
        for employer, org, holder in (("employer", self.org_a, "Les Ateliers numériques"),
                                      ("employer_other", self.org_b, f"{MARK} Association")):
            url = base + f"/api/v1/organisations/{org}/bank-details"
            current = b[employer].get(url)
            version = current.json()["version"] if current.status_code == 200 else 0
            r = b[employer].put(url, json={
                "version": version, "holder": holder, "iban": "FR76 3000 6000 0112 3456 7890 189", "bic": "AGRIFRPP"})
            assert r.status_code == 200, r.text
        ids["bank"] = self.org_a
        rules = {x["code"]: x for x in b["employer"].get(base + "/api/v1/aid-rules").json()["items"]}
        # Tenant A: a contract of the demo structure from 5 January 2026 (its first months are over).
        offer = rc.offer(rc.dossier(posts=2), posts=2)
        cand = rc.candidate()
        app = rc.apply(cand, offer)
        r = rc.act(b["employer"], app["id"], "accept", **rc.terms(start_on="2026-01-05", end_on="2027-01-04"))
        assert r.status_code == 200, r.text
        contract = r.json()["contract_id"]
        r = b["regional"].post(base + f"/api/v1/contracts/{contract}/aid",
                               json={"rule_id": rules["eav_non_market"]["id"]})
        assert r.status_code == 201, r.text
        d = r.json()
        ids["aid_decision"] = d["id"]
        hours = sum(x["hours_centi"] for x in d["schedule"]["lines"] if x["month"] == "2026-01" and x["kind"] == "aid")
        r = b["employer"].post(base + f"/api/v1/aid-decisions/{d['id']}/payment-requests",
                               json={"month": "2026-01", "hours": f"{hours // 100}.{hours % 100:02d}"})
        assert r.status_code == 201, r.text
        req = r.json()
        r = b["regional"].post(base + f"/api/v1/payment-requests/{req['id']}/actions/approve",
                               json={"version": req["version"]})
        assert r.status_code == 200, r.text
        r = b["payer"].post(base + "/api/v1/payment-orders", json={"programme_id": rc.eav["id"]})
        assert r.status_code == 201, r.text
        order = r.json()
        ids["payment_order"] = order["id"]
        r = b["payer"].post(base + f"/api/v1/payment-orders/{order['id']}/paid", json={
            "version": order["version"], "paid_on": "2026-02-20", "paid_reference": "VIR-MATRICE"})
        assert r.status_code == 200, r.text
        d = b["employer"].get(base + f"/api/v1/aid-decisions/{d['id']}").json()
        r = b["employer"].post(base + f"/api/v1/aid-decisions/{d['id']}/periods", json={
            "version": d["version"], "from_on": "2026-01-20", "to_on": "2026-02-10", "paid_share": 0,
            "reason": "Suspension sans rémunération"})
        assert r.status_code == 200, r.text
        ids["recovery"] = r.json()["recoveries"][0]["id"]
        d = r.json()
        hours = sum(x["hours_centi"] for x in d["schedule"]["lines"] if x["month"] == "2026-02" and x["kind"] == "aid")
        r = b["employer"].post(base + f"/api/v1/aid-decisions/{d['id']}/payment-requests",
                               json={"month": "2026-02", "hours": f"{hours // 100}.{hours % 100:02d}"})
        assert r.status_code == 201, r.text
        ids["payment_request"] = r.json()["id"]  # waiting for its check
        # Conventions (CNFS): tenant A's with its posts and an amendment; tenant B's.
        for org, key in ((self.org_a, "convention"), (self.org_b, "convention_b")):
            rule = rules["cnfs_w2_public"]
            r = b["national"].post(base + "/api/v1/conventions", json={
                "organisation_id": org, "rule_id": rule["id"], "posts_granted": 2, "signed_on": "2025-01-01"})
            assert r.status_code == 201, r.text
            ids[key] = r.json()["id"]
        del ids["convention_b"]
        c = b["employer"].get(base + f"/api/v1/conventions/{ids['convention']}").json()
        ids["post"] = c["posts"][0]["id"]
        r = b["employer"].post(base + f"/api/v1/conventions/{ids['convention']}/amendments",
                               json={"posts_delta": 1, "motive": "Un conseiller de plus pour la matrice."})
        assert r.status_code == 201, r.text
        ids["amendment"] = r.json()["id"]
        # Tenant B's aid decision, its region's.
        r = b["regional_other"].post(base + f"/api/v1/contracts/{self.contract_b}/aid",
                                     json={"rule_id": rules["eav_non_market"]["id"]})
        assert r.status_code == 201, r.text

    def activity(self, ids):
        """Tenant A's report by the demo recruit (an adviser); tenant B's by its recruit, its workshop marked."""
        import datetime
        day = (paris_today() - datetime.timedelta(days=3)).isoformat()

        def report(title, commune):
            return {"session_on": day, "type": "collectif", "place_kind": "domicile", "commune_code": commune,
                    "duration_min": 45, "participants": 2, "already": 1, "genders": {"feminin": 1, "masculin": 1},
                    "ages": {"25_39": 1, "non_communique": 1}, "themes": ["email"], "equipment": ["ordinateur"],
                    "autonomy": "autonome", "workshop_title": title, "workshop_level": "debutant"}
        for actor, title, commune, key in (("candidate", "Atelier de la matrice", "26108", "activity_report"),
                                           ("candidate_other", f"{MARK} atelier", "75056", None)):
            r = self.bearer[actor].post(self.base + "/api/v1/activity/reports", json=report(title, commune))
            assert r.status_code == 201, r.text
            if key:
                ids[key] = r.json()["id"]

    def dossier(self, employer, regional, pole, submit=True, mark=MARK):
        rc = self.rc
        body = {
            "programme_id": rc.eav["id"], "place_id": rc.place(employer), "employer_category": "association",
            "contact_name": f"{mark} Contact", "contact_email": employer, "contact_phone": "01 40 00 00 00",
            "project": f"{mark} : un fablab.", "job_profile_id": rc.profile_id, "netpublic": True,
            "listed_national": True, "tutor_name": f"{mark} Tutrice", "tutor_qualities": "Dix ans",
            "sponsor_name": f"{mark} Parrain", "sponsor_qualities": "Gérant", "company_name": f"{mark} SARL",
            "company_siret": "73282932000074", "company_activity": "Services informatiques",
            "pole_id": sql_int(f"SELECT id FROM poles WHERE code = '{pole}'"),
            "training_path": "Prise de poste.", "development_project": "Un fablab.", "posts_requested": 1,
            "signed_on": "2025-09-01", "signatory": "La présidente",
        }
        r = rc.who(employer).post(self.base + "/api/v1/dossiers", json=body)
        assert r.status_code == 201, r.text
        d = r.json()
        if not submit:
            return d["id"]
        for who, action, payload in [(employer, "submit", {}), (self.emails[regional], "give_opinion",
                                                                {"opinion": "favourable"}),
                                     (DEMO_ACCOUNTS["national"], "validate", {"posts_granted": 1})]:
            r = rc.who(who).post(self.base + f"/api/v1/dossiers/{d['id']}/actions/{action}",
                                 json={"version": d["version"], **payload})
            assert r.status_code == 200, (action, r.text[:1000])
            d = r.json()
        return d["id"]

    def diagnosis(self, dossier):
        r = self.bearer["pole"].get(self.base + f"/api/v1/dossiers/{dossier}/diagnoses")
        assert r.status_code == 200, r.text
        items = r.json()["items"] if isinstance(r.json(), dict) else r.json()
        if items:
            return items[0]["id"]
        # A diagnosis is recorded before the national decision: the dossier is put back under review for it.
        state = sql(f"SELECT state FROM dossiers WHERE id = {dossier}")
        sql(f"UPDATE dossiers SET state = 'regional_review' WHERE id = {dossier}")
        r = self.bearer["pole"].post(self.base + f"/api/v1/dossiers/{dossier}/diagnoses", json={
            "checklist": checklist(), "conclusion": "favourable_conditions", "recommendations": "Rien."})
        sql(f"UPDATE dossiers SET state = '{state}' WHERE id = {dossier}")
        assert r.status_code == 201, r.text
        return r.json()["id"]

    def session(self, programme, contract):
        import datetime
        day = lambda n: (paris_today() + datetime.timedelta(days=n)).isoformat()  # noqa: E731
        r = self.bearer["trainer"].post(self.base + "/api/v1/sessions", json={
            "programme_id": programme, "audience": "recruits", "title": "Session de la matrice",
            "training_org_id": org_id(OF), "place_id": PLACE_A, "starts_on": day(30), "ends_on": day(31),
            "hours": 14, "capacity": 10, "min_registrants": 0, "registration_deadline": day(20)})
        assert r.status_code == 201, r.text[:1000]
        sid = r.json()["id"]
        r = self.bearer["employer"].post(self.base + f"/api/v1/sessions/{sid}/registrations",
                                         json={"contract_id": contract})
        assert r.status_code == 201, r.text[:1000]
        return sid, r.json()["id"]

    def web(self, actor):
        """A session signed in through the form (anonymous: one that only holds a CSRF cookie)."""
        if actor not in self._web:
            if actor == "anonymous":
                s = requests.Session()
                s.get(self.base + "/connexion")
            else:
                s = self._login(self.emails[actor], self.passwords[actor])
            self._web[actor] = s
        return self._web[actor]

    def csrf(self, actor):
        if actor not in self._csrf:
            r = self.web(actor).get(self.base + "/connexion" if actor == "anonymous" else self.base + "/")
            self._csrf[actor] = csrf_from(r.text)
        return self._csrf[actor]

    def url(self, route):
        """The route's path with tenant A's object in its first parameter, an action name or id after."""
        path, obj = route["pattern"], route["object"]
        first = True

        def fill(m):
            nonlocal first
            value = self.ids.get(obj, 1) if first else (1 if m.group(0) == "{id}" else "x")
            first = False
            return str(value)

        query = QUERY.get(path, "").format(**self.ids)
        if route["access"] == "list":
            # The rows on one page (200: the smallest maximum of the lists), so that the grep sees them.
            query += ("&" if query else "?") + "per_page=200"
        return self.base + re.sub(r"\{id\}|\{token\}", fill, path) + query

    def version(self, route):
        """The current version of the object ROUTE names, so that a write passes the checks of its body and
        reaches the scope check (a missing version is a 422 whoever sends it)."""
        table = TABLES.get(route["object"])
        if table is None or not isinstance(self.ids.get(route["object"]), int):
            return 1
        out = sql(f"SELECT version FROM {table} WHERE id = {self.ids[route['object']]}")
        return int(out) if out.strip().isdigit() else 1

    def send(self, route, actor):
        """Sends ROUTE as ACTOR (an API route with a bearer token, a page with the form session)."""
        method, url = route["method"], self.url(route)
        if route["api"]:
            s = self.bearer[actor]
            headers = {}
            if actor == "anonymous" and route["changes"]:
                s = self.web("anonymous")
                headers["X-CSRF-Token"] = self.csrf("anonymous")
            body = {}
            if method in ("POST", "PATCH", "PUT"):
                body = {"json": {"version": self.version(route), **self.extra(route)}}
            elif method == "DELETE":
                url += f"?version={self.version(route)}"
            return s.request(method, url, headers=headers, allow_redirects=False, timeout=30, **body)
        s = self.web(actor)
        if method == "GET":
            return s.get(url, allow_redirects=False, timeout=30)
        return s.request(method, url, data={"csrf": self.csrf(actor), "version": self.version(route),
                                            **self.extra(route)}, allow_redirects=False, timeout=30)

    def extra(self, route):
        """The fields a write names another of tenant A's objects with (its candidate, its contract)."""
        return {field: self.ids[kind] for field, kind in EXTRA.get(route["pattern"], {}).items()}


@pytest.fixture(scope="module")
def tenants(base, api, make_account, login):
    return Tenants(base, api, make_account, login)


# ---------------------------------------------------------------------------------------------
# Nothing changed: no row changed in any table but those a refused request may touch (sessions, throttling, logs)

# second_factors: its last_step moves with every code given (a sign-in, or the step-up of a sensitive action).
VOLATILE = {"sessions", "login_devices", "login_failures", "schema_migrations", "outbox", "job_runs", "second_factors"}
# What a request may change without changing anything: when a person last signed in, when a token was last used.
COLUMNS = {"people": "id, email, name, password_hash, active, updated_at, version, confirmed_at",
           "api_tokens": "id, person_id, revoked_at"}


@functools.lru_cache(maxsize=None)
def tables():
    if ENGINE == "sqlite":
        out = sql("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    else:  # partitions are counted through their table
        out = sql("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = "
                  "current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition")
    return sorted(t for t in out.split("\n") if t and t not in VOLATILE and t != CHANGES)


# A change is counted where it happens: a trigger on each table adds one to the table's row of CHANGES for every row
# inserted, deleted or updated (on the COLUMNS that matter, for the two tables that have them), in the transaction
# of the change — so a request rolled back counts nothing. Reading the counters costs one query where hashing every
# table took a third of the HTTP suite. Only for this module: the triggers and the table go at its end.
CHANGES = "matrix_changes"


def sql_script(statements):
    if ENGINE == "sqlite":
        import sqlite3
        conn = sqlite3.connect(DATABASE[len("sqlite:"):], timeout=30)
        try:
            conn.executescript(";\n".join(statements) + ";")
        finally:
            conn.close()
    else:
        sql(";\n".join(statements))


@pytest.fixture(scope="module")
def change_counters(tenants):
    names = tables()
    if ENGINE == "sqlite":
        script = [f"CREATE TABLE {CHANGES} (t TEXT PRIMARY KEY, n INTEGER NOT NULL)"]
        for t in names:
            bump = (f"INSERT INTO {CHANGES} (t, n) VALUES ('{t}', 1) ON CONFLICT (t) DO UPDATE SET n = n + 1")
            cols = f" OF {COLUMNS[t]}" if t in COLUMNS else ""
            for i, event in enumerate(("INSERT", f"UPDATE{cols}", "DELETE")):
                script.append(f"CREATE TRIGGER mx_{t}_{i} AFTER {event} ON {t} BEGIN {bump}; END")
        drop = [f"DROP TRIGGER mx_{t}_{i}" for t in names for i in range(3)] + [f"DROP TABLE {CHANGES}"]
    else:
        script = [f"CREATE TABLE {CHANGES} (t TEXT PRIMARY KEY, n BIGINT NOT NULL)",
                  "CREATE FUNCTION mx_count() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO "
                  f"{CHANGES} (t, n) VALUES (TG_TABLE_NAME, 1) ON CONFLICT (t) DO UPDATE SET n = {CHANGES}.n + 1; "
                  "RETURN NULL; END $$"]
        for t in names:
            cols = f" OF {COLUMNS[t]}" if t in COLUMNS else ""
            script.append(f"CREATE TRIGGER mx AFTER INSERT OR UPDATE{cols} OR DELETE ON {t} FOR EACH ROW "
                          "EXECUTE FUNCTION mx_count()")
        drop = [f"DROP TABLE {CHANGES}", "DROP FUNCTION mx_count() CASCADE"]
    sql_script(script)
    yield
    sql_script(drop)


def digest(names):
    """The count of rows changed so far in each table of NAMES (those never changed are absent)."""
    out = sql(f"SELECT t, n FROM {CHANGES}")
    return {t: n for t, n in (line.split("|", 1) for line in out.splitlines() if "|" in line) if t in names}


# ---------------------------------------------------------------------------------------------
# No row of the other tenant: tenant B's people and dossier are named with MARK; tenant A's candidate is the demo's.

TENANT_A = {"regional", "pole", "employer", "prescriber", "trainer", "candidate", "sponsor", "viewer"}
TENANT_B = {a for a in ACTORS if a.endswith("_other")}


def body_text(r):
    """The text of an answer: an XLSX workbook's XML parts, or the body."""
    if r.content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(r.content)) as z:
            return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
    return r.content.decode("utf-8", "replace")


# Where steering members read every tenant: the subsidies and the activity reports (issues 12 and 13: "national
# officers and steering members everything", read-only).
NATIONAL_READS = {"viewer": ("/aides", "/api/v1/aid-decisions", "/api/v1/payment-requests", "/api/v1/recoveries",
                             "/api/v1/conventions", "/api/v1/amendments", "/api/v1/ledger", "/activite",
                             "/api/v1/activity")}


def other_tenant_in(actor, r, route=None):
    """What of the other tenant the answer R to ACTOR shows (None when nothing)."""
    if route and route["pattern"].startswith(NATIONAL_READS.get(actor, ())):
        return None
    text = html.unescape(body_text(r))
    if actor in TENANT_A and MARK in text:
        return MARK
    if actor in TENANT_B and DEMO_CANDIDATE_NAME in text:
        return DEMO_CANDIDATE_NAME
    return None


# ---------------------------------------------------------------------------------------------
# The matrix

READS = [r for r in ROUTES if not r["changes"] and r["method"] == "GET" and "__test" not in r["pattern"]]
WRITES = [r for r in ROUTES if r["changes"]]
PROBE = os.environ.get("MATRIX_PROBE")


def test_every_route_declares_its_access():
    for r in ROUTES:
        assert r["access"] in {k if isinstance(k, str) else k[0] for k in ALLOWED}, route_id(r)
        assert "{" not in r["pattern"] or r["object"], route_id(r)


@pytest.mark.parametrize("route", READS, ids=route_id)
def test_reads(tenants, route):
    wrong = []
    for actor in ACTORS:
        r = tenants.send(route, actor)
        got, want = outcome(route, r), expected(route, actor)
        if not agrees(route, got, want, actor):
            wrong.append(f"{actor}: {got} (expected {want})")
        elif got == "ok" and route["access"] != "public":
            leak = other_tenant_in(actor, r, route)
            if leak:
                wrong.append(f"{actor}: the answer shows {leak!r} of the other tenant")
    if PROBE:
        print("PROBE", route_id(route), route["access"], route["object"], "|", "; ".join(wrong))
        return
    assert not wrong, "\n".join(wrong)


def test_the_counters_see_a_change_and_not_a_rollback(change_counters):
    before = digest(tables())
    sql_script(["UPDATE regions SET name = name WHERE code = '84'"])
    after = digest(tables())
    assert int(after["regions"]) == int(before.get("regions", 0)) + 1
    sql_script(["BEGIN", "UPDATE regions SET name = name WHERE code = '84'", "ROLLBACK"])
    assert digest(tables()) == after


@pytest.mark.parametrize("route", WRITES, ids=route_id)
def test_refused_writes_change_nothing(tenants, change_counters, route):
    refused = [a for a in ACTORS if expected(route, a) != "ok"]
    if not refused:
        return
    names = tables()
    before = digest(names)
    wrong = []
    for actor in refused:
        r = tenants.send(route, actor)
        got, want = outcome(route, r), expected(route, actor)
        if got != want and not (want in (403, 404) and got in (403, 404)):
            wrong.append(f"{actor}: {got} (expected {want}) {r.text[:200]!r}")
    after = digest(names)
    if PROBE:
        print("PROBE", route_id(route), route["access"], route["object"], "|", "; ".join(wrong),
              "CHANGED" if before != after else "")
        return
    assert not wrong, "\n".join(wrong)
    changed = sorted(t for t in set(before) | set(after) if before.get(t) != after.get(t))
    assert not changed, f"{route_id(route)}: a refused request changed the database: {', '.join(changed)}"


# The marks are where the grep looks: the actors who see everything, and tenant B's own, find them.
SEEN = [("admin", "GET", "/dossiers.csv", MARK), ("regional_other", "GET", "/dossiers", MARK),
        ("admin", "GET", "/dossiers.xlsx", MARK), ("regional_other", "GET", "/api/v1/dossiers", MARK),
        ("employer_other", "GET", "/candidatures", MARK), ("admin", "GET", "/api/v1/applications", MARK),
        ("national", "GET", "/api/v1/contracts", DEMO_CANDIDATE_NAME),
        ("regional", "GET", "/dossiers.xlsx", "vallée de la Drôme")]


@pytest.mark.parametrize("actor,method,path,mark", SEEN, ids=lambda v: str(v))
def test_the_marks_are_where_the_matrix_looks(tenants, actor, method, path, mark):
    route = next(r for r in ROUTES if r["method"] == method and r["pattern"] == path)
    r = tenants.send(route, actor)
    assert r.status_code == 200, r.status_code
    assert mark in html.unescape(body_text(r)), f"{mark!r} not in {path} for {actor}"
