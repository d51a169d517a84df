"""/api/v1/dossiers: the protocole d'adhésion through the API — drafts, every transition of the workflow for
every role (allowed and forbidden), stale versions, bad payloads, quotas, emails, messages, the journal and
the protocol as a PDF."""
import hashlib
import re
import subprocess
import time

import pytest
import requests

from conftest import DEMO_ACCOUNTS, run_cli, sql, sql_int, unique

PLACE = "demo-ateliers-numeriques-crest"  # the demo structure's EPN, in Crest (region 84)
STALE = "ce dossier a changé depuis votre lecture"
BEFORE_DECISION = {"draft", "regional_review", "national_review", "changes_requested"}
STATES = ["draft", "regional_review", "national_review", "changes_requested", "validated", "refused", "withdrawn"]
ACTIONS = ["submit", "resubmit", "give_opinion", "validate", "refuse", "request_changes", "withdraw", "reopen"]

# The transition table of DESIGN.md as the tests read it: (action, from states, role that may take it).
TABLE = [
    ("submit", {"draft"}, "employer"),
    ("resubmit", {"changes_requested"}, "employer"),
    ("give_opinion", {"regional_review"}, "regional"),
    ("validate", {"national_review"}, "national"),
    ("refuse", {"national_review"}, "national"),
    ("request_changes", {"regional_review"}, "regional"),
    ("request_changes", {"regional_review", "national_review"}, "national"),
    ("withdraw", BEFORE_DECISION, "employer"),
    ("reopen", {"validated", "refused"}, "national"),
]
TO = {"submit": "regional_review", "resubmit": "regional_review", "give_opinion": "national_review",
      "validate": "validated", "refuse": "refused", "request_changes": "changes_requested", "withdraw": "withdrawn",
      "reopen": "national_review"}
PAYLOAD = {
    "submit": {}, "resubmit": {},
    "give_opinion": {"opinion": "favourable", "suggestions": "Ouvrir le samedi", "advice": "Former deux tuteurs"},
    "validate": {"posts_granted": 1},
    "refuse": {"reason": "Projet sans tuteur disponible"},
    "request_changes": {"questions": "Quel est le planning de formation ?"},
    "withdraw": {"reason": "Budget communal reporté"},
    "reopen": {"reason": "Recours gracieux de la structure"},
}
# The people who try: the structure of the dossier and another one, the regional officer of the EPN's region and
# one of another region, the pole of that region, the national delegation, an administrator, a candidate.
ACTORS = ["employer", "employer_other", "regional", "regional_other", "pole", "national", "admin", "candidate"]
HOLDS = {"employer": "employer", "regional": "regional", "national": "national"}


def can_read(actor, submitted):
    if actor in ("employer", "admin"):
        return True
    return submitted and actor in ("regional", "pole", "national")


def expected(actor, state, action, submitted=True):
    """The status the API must answer: 200, 404 (out of scope: the dossier does not exist for them), 403 (not your
    move) or 409 (not in this state)."""
    if not can_read(actor, submitted):
        return 404
    rows = [r for r in TABLE if r[0] == action and HOLDS.get(actor) == r[2]]
    if not rows:
        return 403
    return 200 if any(state in r[1] for r in rows) else 409


ALLOWED = sorted({(state, action, actor) for state in STATES for action in ACTIONS for actor in ACTORS
                  if expected(actor, state, action) == 200})


def assert_problem(r, status, field=None):
    assert r.status_code == status, (r.status_code, r.text[:1200])
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers.get("content-type")
    p = r.json()
    assert p["status"] == status and p["title"] and p["detail"]
    if field is not None:
        assert field in [e["field"] for e in p["errors"]], p
    return p


def field_message(p, field):
    return next(e["message"] for e in p["errors"] if e["field"] == field)


# ---------------------------------------------------------------------------------------------
# Who acts


@pytest.fixture(scope="module")
def people(server, api, make_account):
    """actor -> the email of its account; the "other" ones are made here."""
    org = api.post(server.base + "/api/v1/organisations", json={"name": unique("Autre EPN "), "kind": "employer"})
    assert org.status_code == 201, org.text
    other_employer = make_account("employer", organisation_id=org.json()["id"])["_email"]
    other_regional = make_account("regional", regions="11")["_email"]
    return {"employer": DEMO_ACCOUNTS["employer"], "employer_other": other_employer,
            "regional": DEMO_ACCOUNTS["regional"], "regional_other": other_regional, "pole": DEMO_ACCOUNTS["pole"],
            "national": DEMO_ACCOUNTS["national"], "admin": DEMO_ACCOUNTS["admin"],
            "candidate": DEMO_ACCOUNTS["candidate"]}


@pytest.fixture(scope="module")
def who(people):
    """who[actor] -> a requests.Session with an API token of that account (`tremplin token create`)."""
    sessions = {}
    for actor, email in people.items():
        r = run_cli("token", "create", email, unique("tests-"))
        assert r.returncode == 0, r.stderr
        s = requests.Session()
        s.headers["Authorization"] = "Bearer " + r.stdout.strip()
        sessions[actor] = s
    return sessions


@pytest.fixture(scope="module")
def eav(base):
    """The 2013 programme with the ids a dossier names."""
    items = requests.get(base + "/api/v1/programmes").json()["items"]
    p = requests.get(base + f"/api/v1/programmes/{next(x['id'] for x in items if x['code'] == 'EAV-EPN-2013')}")
    p = p.json()
    p["profile_id"] = next(j["id"] for j in p["job_profiles"] if j["code"] == "forgeur-numerique")
    p["pole_id"] = next(x["id"] for x in p["poles"] if x["code"] == "centre-est")
    p["other_pole_id"] = next(x["id"] for x in p["poles"] if x["code"] == "sud")
    return p


def complete(eav, **over):
    body = {
        "programme_id": eav["id"], "place_id": PLACE, "employer_category": "association",
        "contact_name": "Sébastien Structure", "contact_email": "structure@demo.tremplin.fr",
        "contact_phone": "04 75 00 00 00",
        "project": "Recruter un jeune « forgeur numérique » pour le fablab de Crest.",
        "job_profile_id": eav["profile_id"], "netpublic": True, "listed_national": True,
        "tutor_name": "Anne Tutrice", "tutor_qualities": "Animatrice multimédia depuis dix ans",
        "sponsor_name": "Paul Parrain", "sponsor_qualities": "Gérant d'une entreprise de services numériques",
        "company_name": "Valence Informatique Services", "company_siret": "73282932000074",
        "company_activity": "Services informatiques", "pole_id": eav["pole_id"],
        "training_path": "Prise de poste, puis fabrication numérique et médiation.",
        "development_project": "Ouvrir un fablab le samedi.\nAccueillir les collégiens du canton.",
        "posts_requested": 2, "signed_on": "2025-09-01", "signatory": "Le président de l'association",
    }
    body.update(over)
    return body


@pytest.fixture(scope="module")
def flow(base, who, eav):
    """Helpers that make dossiers and move them along."""

    class Flow:
        def get(self, dossier_id, actor="admin"):
            r = who[actor].get(base + f"/api/v1/dossiers/{dossier_id}")
            assert r.status_code == 200, r.text
            return r.json()

        def act(self, actor, dossier_id, action, version=None, **payload):
            if version is None:
                version = self.get(dossier_id)["version"]
            return who[actor].post(base + f"/api/v1/dossiers/{dossier_id}/actions/{action}",
                                   json={"version": version, **payload})

        def step(self, actor, dossier_id, action, **payload):
            r = self.act(actor, dossier_id, action, **(payload or PAYLOAD[action]))
            assert r.status_code == 200, (action, r.text[:1200])
            assert r.json()["state"] == TO[action]
            return r.json()

        def draft(self, **over):
            r = who["employer"].post(base + "/api/v1/dossiers", json=complete(eav, **over))
            assert r.status_code == 201, r.text
            return r.json()["id"]

        def bring(self, state, **over):
            """A new dossier of the demo structure in STATE (withdrawn: after being submitted)."""
            d = self.draft(**over)
            if state == "draft":
                return d
            self.step("employer", d, "submit")
            path = {"regional_review": [], "national_review": [("regional", "give_opinion")],
                    "changes_requested": [("regional", "request_changes")],
                    "validated": [("regional", "give_opinion"), ("national", "validate")],
                    "refused": [("regional", "give_opinion"), ("national", "refuse")],
                    "withdrawn": [("employer", "withdraw")]}[state]
            for actor, action in path:
                self.step(actor, d, action)
            return d

        def journal(self, dossier_id, actor="admin"):
            r = who[actor].get(base + f"/api/v1/dossiers/{dossier_id}/journal")
            assert r.status_code == 200, r.text
            return r.json()["items"]

    return Flow()


# ---------------------------------------------------------------------------------------------
# Every transition for every role


@pytest.mark.parametrize("state", STATES)
def test_forbidden_and_impossible_actions_change_nothing(base, who, flow, state):
    d = flow.bring(state)
    before, journal = flow.get(d), flow.journal(d)
    assert before["state"] == state
    for actor in ACTORS:
        for action in ACTIONS:
            want = expected(actor, state, action, submitted=state != "draft")
            if want == 200:
                continue
            r = flow.act(actor, d, action, version=before["version"], **PAYLOAD[action])
            p = assert_problem(r, want)
            if want == 409:
                assert "n'est pas possible" in p["detail"], p
    after = flow.get(d)
    assert (after["version"], after["state"], after["updated_at"]) == (
        before["version"], before["state"], before["updated_at"])
    assert flow.journal(d) == journal


@pytest.mark.parametrize("state,action,actor", ALLOWED, ids=[f"{s}-{a}-{r}" for s, a, r in ALLOWED])
def test_allowed_transition(base, who, flow, state, action, actor):
    d = flow.bring(state)
    before = flow.get(d)
    # The dossier tells the actor it may take the action.
    assert action in [a["action"] for a in flow.get(d, actor)["actions"]]
    r = flow.act(actor, d, action, **PAYLOAD[action])
    assert r.status_code == 200, r.text
    after = r.json()
    assert after["state"] == TO[action]
    assert after["version"] == before["version"] + 1
    entry = flow.journal(d)[0]
    assert entry["action"] == action
    assert entry["detail"]["from"] == state and entry["detail"]["to"] == TO[action]
    assert entry["detail"]["version"] == after["version"]
    assert entry["actor_label"]


def test_the_actions_offered_follow_the_table(flow):
    d = flow.bring("national_review")
    assert [a["action"] for a in flow.get(d, "national")["actions"]] == ["validate", "refuse", "request_changes"]
    assert [a["action"] for a in flow.get(d, "employer")["actions"]] == ["withdraw"]
    assert flow.get(d, "regional")["actions"] == []
    assert flow.get(d, "pole")["actions"] == []
    offered = {a["action"]: a for a in flow.get(d, "national")["actions"]}
    assert offered["validate"]["payload"] == "decision" and offered["validate"]["label"]


def test_unknown_action_is_404(flow):
    d = flow.bring("regional_review")
    assert_problem(flow.act("regional", d, "approve"), 404)
    assert_problem(flow.act("regional", 999999, "give_opinion", version=1, opinion="favourable"), 404)


def test_a_full_path_then_reopen_and_decide_again(flow):
    d = flow.bring("validated")
    flow.step("national", d, "reopen")
    got = flow.get(d)
    assert got["decision"] is None and got["posts_granted"] == 0
    flow.step("national", d, "refuse", reason="Le pôle ne peut plus accompagner la structure")
    got = flow.get(d)
    assert got["decision"] == "refused" and got["decision_reason"] == "Le pôle ne peut plus accompagner la structure"
    assert [e["action"] for e in flow.journal(d)][:3] == ["refuse", "reopen", "validate"]


def test_changes_requested_then_edited_and_resubmitted(base, who, flow):
    d = flow.bring("national_review")
    flow.step("national", d, "request_changes", questions="Précisez le parcours de formation.")
    got = flow.get(d, "employer")
    assert got["questions"] == "Précisez le parcours de formation." and got["can_edit"] is True
    r = who["employer"].patch(base + f"/api/v1/dossiers/{d}",
                              json={"version": got["version"], "training_path": "Parcours précisé : 400 h."})
    assert r.status_code == 200, r.text
    assert r.json()["training_path"] == "Parcours précisé : 400 h."
    flow.step("employer", d, "resubmit")
    assert flow.get(d)["questions"] is None
    # The opinion given before stays until the region gives it again.
    flow.step("regional", d, "give_opinion", opinion="unfavourable", suggestions="Revoir le budget")
    assert flow.get(d)["opinion"] == "unfavourable"


# ---------------------------------------------------------------------------------------------
# Stale versions and bad payloads: 409 / 422, and nothing changes


def test_stale_version_is_409_and_changes_nothing(flow):
    d = flow.bring("regional_review")
    before = flow.get(d)
    for actor, action in [("regional", "give_opinion"), ("regional", "request_changes"), ("employer", "withdraw")]:
        p = assert_problem(flow.act(actor, d, action, version=before["version"] - 1, **PAYLOAD[action]), 409)
        assert STALE in p["detail"].lower(), p
        p = assert_problem(flow.act(actor, d, action, version=before["version"] + 5, **PAYLOAD[action]), 409)
        assert STALE in p["detail"].lower(), p
    after = flow.get(d)
    assert (after["version"], after["state"]) == (before["version"], before["state"])
    assert len(flow.journal(d)) == 2  # create, submit


def test_two_people_acting_on_the_same_version(flow):
    d = flow.bring("national_review")
    version = flow.get(d)["version"]
    assert flow.act("national", d, "validate", version=version, posts_granted=1).status_code == 200
    p = assert_problem(flow.act("employer", d, "withdraw", version=version), 409)
    assert STALE in p["detail"].lower()
    assert flow.get(d)["state"] == "validated"


@pytest.mark.parametrize("state,actor,action,payload,field", [
    ("regional_review", "regional", "give_opinion", {}, "opinion"),
    ("regional_review", "regional", "give_opinion", {"opinion": "tres_favorable"}, "opinion"),
    ("regional_review", "regional", "give_opinion", {"opinion": "favourable", "advice": "x" * 4001}, "advice"),
    ("regional_review", "regional", "request_changes", {}, "questions"),
    ("national_review", "national", "request_changes", {"questions": "  "}, "questions"),
    ("national_review", "national", "refuse", {}, "reason"),
    ("national_review", "national", "refuse", {"reason": "   "}, "reason"),
    ("national_review", "national", "validate", {}, "posts_granted"),
    ("national_review", "national", "validate", {"posts_granted": 0}, "posts_granted"),
    ("national_review", "national", "validate", {"posts_granted": 3}, "posts_granted"),  # 2 requested
    ("national_review", "national", "validate", {"posts_granted": "deux"}, "posts_granted"),
    ("validated", "national", "reopen", {}, "reason"),
    ("refused", "national", "reopen", {"reason": ""}, "reason"),
])
def test_bad_payload_is_422_naming_the_field(flow, state, actor, action, payload, field):
    d = flow.bring(state)
    before, journal = flow.get(d), flow.journal(d)
    p = assert_problem(flow.act(actor, d, action, **payload), 422, field)
    assert field_message(p, field).startswith("«"), p  # French, naming the field by its label
    after = flow.get(d)
    assert (after["version"], after["state"]) == (before["version"], before["state"])
    assert flow.journal(d) == journal


def test_more_posts_than_requested_says_how_many(flow):
    d = flow.bring("national_review")
    p = assert_problem(flow.act("national", d, "validate", posts_granted=3), 422, "posts_granted")
    assert "2 postes demandés" in field_message(p, "posts_granted")


@pytest.mark.parametrize("version", [None, "3", 0, -1, 2.5])
def test_the_version_is_required(base, who, flow, version):
    d = flow.bring("regional_review")
    body = {"opinion": "favourable"} if version is None else {"opinion": "favourable", "version": version}
    r = who["regional"].post(base + f"/api/v1/dossiers/{d}/actions/give_opinion", json=body)
    assert_problem(r, 422, "version")
    assert flow.get(d)["state"] == "regional_review"


def test_a_body_that_is_not_a_json_object_is_400(base, who, flow):
    d = flow.bring("regional_review")
    url = base + f"/api/v1/dossiers/{d}/actions/give_opinion"
    assert_problem(who["regional"].post(url), 400)
    assert_problem(who["regional"].post(url, json=[1, 2]), 400)
    r = who["regional"].post(url, data="{pas du json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert flow.get(d)["state"] == "regional_review"


# ---------------------------------------------------------------------------------------------
# Submission checks


def test_submitting_an_incomplete_dossier_lists_the_missing_fields_in_french(base, who, eav, flow):
    r = who["employer"].post(base + "/api/v1/dossiers", json={"programme_id": eav["id"], "contact_name": "Léa"})
    assert r.status_code == 201, r.text
    d = r.json()
    assert d["state"] == "draft" and d["contact_name"] == "Léa"
    p = assert_problem(flow.act("employer", d["id"], "submit"), 422)
    missing = {e["field"]: e["message"] for e in p["errors"]}
    for field in ("place_id", "employer_category", "contact_email", "project", "job_profile_id", "training_path",
                  "development_project", "posts_requested", "signed_on", "signatory", "tutor_name",
                  "tutor_qualities", "sponsor_name", "sponsor_qualities", "company_name", "company_siret",
                  "company_activity", "pole_id"):
        assert field in missing, field
    assert "contact_name" not in missing
    assert missing["tutor_name"] == "« Nom du tuteur » est obligatoire pour déposer le dossier."
    assert "« Nombre de postes demandés »" in missing["posts_requested"]
    assert flow.get(d["id"])["state"] == "draft"


@pytest.mark.parametrize("over,field", [
    ({"employer_category": "entreprise"}, "employer_category"),  # not eligible to the 2013 programme
    ({"signed_on": "2099-01-01"}, "signed_on"),
    ({"pole_id": "other"}, "pole_id"),  # a pole of the programme that does not cover the EPN's region
])
def test_submission_checks_the_programme_rules(eav, flow, over, field):
    if over.get("pole_id") == "other":
        over = {"pole_id": eav["other_pole_id"]}
    d = flow.draft(**over)
    assert_problem(flow.act("employer", d, "submit"), 422, field)
    assert flow.get(d)["state"] == "draft"


def test_an_inactive_job_profile_cannot_be_submitted(base, who, eav, flow):
    prog = who["national"].post(base + "/api/v1/programmes", json={
        "code": unique("P-"), "name": "Dispositif sans pôle", "target_posts": 10, "contract_min_months": 12,
        "contract_max_months": 24, "weekly_hours": 35, "employer_categories": "association"}).json()
    jp = who["national"].post(base + f"/api/v1/programmes/{prog['id']}/job-profiles",
                              json={"code": "mediateur", "title": "Médiateur"}).json()
    d = who["employer"].post(base + "/api/v1/dossiers", json=complete(
        eav, programme_id=prog["id"], job_profile_id=jp["id"], pole_id=None)).json()["id"]
    assert who["national"].delete(base + f"/api/v1/job-profiles/{jp['id']}", json={"version": 1}).json() == {
        "deactivated": True}
    assert_problem(flow.act("employer", d, "submit"), 422, "job_profile_id")


@pytest.mark.parametrize("lines,status", [(10, 201), (11, 422)])
def test_the_development_project_holds_ten_lines(base, who, eav, lines, status):
    text = "\n".join(f"Ligne {i} du projet" for i in range(lines))
    r = who["employer"].post(base + "/api/v1/dossiers", json=complete(eav, development_project=text))
    if status == 201:
        assert r.status_code == 201, r.text
    else:
        p = assert_problem(r, 422, "development_project")
        assert "11 lignes" in field_message(p, "development_project")


def test_a_long_line_counts_for_the_lines_it_wraps_onto(base, who, eav):
    # Nine short lines and one of 81 characters: eleven lines as the form shows them.
    text = "\n".join(["court"] * 9 + ["é" * 81])
    assert_problem(who["employer"].post(base + "/api/v1/dossiers", json=complete(eav, development_project=text)),
                   422, "development_project")
    d = who["employer"].post(base + "/api/v1/dossiers", json=complete(eav)).json()
    r = who["employer"].patch(base + f"/api/v1/dossiers/{d['id']}",
                              json={"version": d["version"], "development_project": text})
    assert_problem(r, 422, "development_project")


# ---------------------------------------------------------------------------------------------
# Creating and editing drafts


@pytest.mark.parametrize("body,field", [
    ({}, "programme_id"),
    ({"programme_id": "abc"}, "programme_id"),
    ({"programme_id": 999999}, "programme_id"),
    ({"contact_email": "pas une adresse"}, "contact_email"),
    ({"contact_name": "x" * 201}, "contact_name"),
    ({"place_id": "lieu-qui-n-existe-pas"}, "place_id"),
    ({"company_siret": "12345678901234"}, "company_siret"),
    ({"posts_requested": 101}, "posts_requested"),
    ({"organisation_id": "la mienne"}, "organisation_id"),
])
def test_create_invalid_is_422(base, who, eav, body, field):
    if body and "programme_id" not in body:
        body = {"programme_id": eav["id"], **body}
    assert_problem(who["employer"].post(base + "/api/v1/dossiers", json=body), 422, field)


@pytest.mark.parametrize("actor", ["national", "regional", "pole", "candidate", "admin"])
def test_only_a_structure_creates_dossiers(base, who, eav, actor):
    assert_problem(who[actor].post(base + "/api/v1/dossiers", json=complete(eav)), 403)


def test_a_structure_files_only_for_itself(base, who, eav):
    other_org = who["employer_other"].get(base + "/api/v1/me").json()["memberships"][0]["organisation_id"]
    mine = who["employer"].post(base + "/api/v1/dossiers", json=complete(eav)).json()
    assert_problem(who["employer"].post(base + "/api/v1/dossiers", json=complete(eav, organisation_id=other_org)),
                   403)
    r = who["employer"].post(base + "/api/v1/dossiers", json=complete(eav, organisation_id=mine["organisation_id"]))
    assert r.status_code == 201
    assert r.headers["location"] == f"/api/v1/dossiers/{r.json()['id']}"
    assert (r.json()["state"], r.json()["version"]) == ("draft", 1)
    assert [e["action"] for e in r.json()["actions"]] == ["submit", "withdraw"]


def test_a_structure_files_only_on_its_own_places(base, who, eav, api):
    """Finding 9 of the security review: a dossier on another organisation's place landed in that place's region."""
    theirs = sql("SELECT id FROM places WHERE organisation_id IS NOT NULL AND organisation_id <> (SELECT "
                 "organisation_id FROM places WHERE id = '%s') AND merged_into IS NULL ORDER BY id LIMIT 1" % PLACE)
    # A place of no structure, in another region (Reims, Grand Est).
    r = api.post(base + "/api/v1/places", json={
        "pivot": "43493312300029", "nom": "Espace sans structure " + str(time.time_ns()), "commune": "Reims",
        "code_postal": "51100", "code_insee": "51454", "adresse": f"{time.time_ns()} rue de Vesle",
        "services": "Aide aux démarches administratives"})
    assert r.status_code == 201, r.text
    loose = r.json()["id"]
    for place in [p for p in (theirs, loose) if p]:
        p = assert_problem(who["employer"].post(base + "/api/v1/dossiers", json=complete(eav, place_id=place)), 422,
                           "place_id")
        assert "pas un lieu de votre structure" in p["errors"][0]["message"]
    before = sql_int("SELECT COUNT(*) FROM dossiers")
    mine = who["employer"].post(base + "/api/v1/dossiers", json=complete(eav)).json()
    assert_problem(who["employer"].patch(base + f"/api/v1/dossiers/{mine['id']}",
                                         json={"version": mine["version"], "place_id": loose}), 422, "place_id")
    assert sql_int("SELECT COUNT(*) FROM dossiers") == before + 1
    assert sql(f"SELECT place_id FROM dossiers WHERE id = {mine['id']}") == PLACE


def test_patch_edits_a_draft_with_its_version(base, who, flow):
    d = flow.draft()
    got = flow.get(d, "employer")
    url = base + f"/api/v1/dossiers/{d}"
    r = who["employer"].patch(url, json={"version": got["version"], "contact_phone": "06 12 34 56 78",
                                          "netpublic": False})
    assert r.status_code == 200, r.text
    after = r.json()
    assert after["contact_phone"] == "+33612345678" and after["netpublic"] is False  # as written, kept in E.164
    assert after["tutor_name"] == got["tutor_name"] and after["version"] == got["version"] + 1
    p = assert_problem(who["employer"].patch(url, json={"version": got["version"], "contact_phone": "1"}), 409)
    assert STALE in p["detail"].lower()
    assert_problem(who["employer"].patch(url, json={"contact_phone": "1"}), 422, "version")
    p = assert_problem(who["employer"].patch(url, json={"version": after["version"], "contact_phone": "06 12"}), 422,
                       "contact_phone")
    assert "n'est pas un numéro de téléphone" in str(p)
    assert_problem(who["employer"].patch(url, json={"version": after["version"], "contact_email": "x"}), 422,
                   "contact_email")
    # A draft does not exist for anyone but its structure (and admins).
    for actor in ("employer_other", "regional", "national", "pole"):
        assert_problem(who[actor].patch(url, json={"version": after["version"], "contact_phone": "1"}), 404)
    # A field sent empty is cleared; the journal keeps what changed.
    r = who["employer"].patch(url, json={"version": after["version"], "contact_phone": ""})
    assert r.status_code == 200 and r.json()["contact_phone"] is None
    entry = flow.journal(d)[0]
    assert entry["action"] == "update"
    assert entry["detail"]["before"] == {"contact_phone": "+33612345678"}
    assert entry["detail"]["after"] == {"contact_phone": None}


def test_a_dossier_under_review_cannot_be_edited(base, who, flow):
    d = flow.bring("regional_review")
    got = flow.get(d, "employer")
    assert got["can_edit"] is False
    assert_problem(who["employer"].patch(base + f"/api/v1/dossiers/{d}",
                                         json={"version": got["version"], "contact_phone": "1"}), 409)


# ---------------------------------------------------------------------------------------------
# Who sees what


def test_drafts_are_invisible_to_reviewers(base, who, flow, eav):
    d = flow.draft()
    for actor in ("regional", "pole", "national", "regional_other", "employer_other", "candidate"):
        for path in ("", "/journal", "/messages", "/protocol.pdf"):
            assert_problem(who[actor].get(base + f"/api/v1/dossiers/{d}{path}"), 404)
        ids = [x["id"] for x in who[actor].get(base + "/api/v1/dossiers",
                                               params={"programme_id": eav["id"], "per_page": 10000}).json()["items"]]
        assert d not in ids, actor
    assert flow.get(d, "employer")["state"] == "draft"
    assert flow.get(d, "admin")["state"] == "draft"


def test_a_draft_withdrawn_stays_the_structures_own(base, who, flow, eav):
    d = flow.draft()
    flow.step("employer", d, "withdraw", reason="Projet abandonné")
    for actor in ("regional", "pole", "national"):
        assert_problem(who[actor].get(base + f"/api/v1/dossiers/{d}"), 404)
        ids = [x["id"] for x in who[actor].get(base + "/api/v1/dossiers",
                                               params={"state": "withdrawn", "per_page": 10000}).json()["items"]]
        assert d not in ids, actor
    assert flow.get(d, "employer")["state"] == "withdrawn"


def test_out_of_scope_readers_get_404(base, who, flow):
    """What one may not see answers as what does not exist: the same 404, so that ids tell nothing."""
    d = flow.bring("national_review")
    for actor in ("regional_other", "employer_other", "candidate"):
        p = assert_problem(who[actor].get(base + f"/api/v1/dossiers/{d}"), 404)
        assert p == assert_problem(who[actor].get(base + "/api/v1/dossiers/999999999"), 404)
    for actor in ("employer", "regional", "pole", "national", "admin"):
        assert who[actor].get(base + f"/api/v1/dossiers/{d}").status_code == 200
    assert_problem(requests.get(base + f"/api/v1/dossiers/{d}"), 401)
    assert_problem(who["admin"].get(base + "/api/v1/dossiers/999999"), 404)


def test_lists_follow_the_scope_and_the_filters(base, who, flow, eav):
    d = flow.bring("regional_review")
    v = flow.bring("validated")

    def ids(actor, **params):
        r = who[actor].get(base + "/api/v1/dossiers", params={"per_page": 10000, **params})
        assert r.status_code == 200, r.text
        return [x["id"] for x in r.json()["items"]]

    for actor in ("employer", "regional", "pole", "national", "admin"):
        assert {d, v} <= set(ids(actor)), actor
    for actor in ("employer_other", "regional_other", "candidate"):
        assert not {d, v} & set(ids(actor)), actor
    assert d in ids("regional", state="regional_review") and v not in ids("regional", state="regional_review")
    assert v in ids("national", state="validated", region="84", programme_id=eav["id"],
                    job_profile_id=eav["profile_id"])
    assert not ids("national", region="11", programme_id=eav["id"])
    assert v not in ids("national", job_profile_id=eav["profile_id"] + 100000)
    # Reviewers take the oldest waiting first; each item says how long it has waited.
    items = who["regional"].get(base + "/api/v1/dossiers", params={"state": "regional_review",
                                                                    "per_page": 10000}).json()["items"]
    since = [x["state_since"] for x in items]
    assert since == sorted(since)
    assert all("days_waiting" in x for x in items)
    page = who["national"].get(base + "/api/v1/dossiers", params={"per_page": 1, "page": 2}).json()
    assert page["per_page"] == 1 and page["page"] == 2 and len(page["items"]) == 1 and page["total"] >= 2


@pytest.mark.parametrize("params,field", [
    ({"programme_id": "abc"}, "programme_id"),
    ({"programme_id": "0"}, "programme_id"),
    ({"job_profile_id": "-3"}, "job_profile_id"),
    ({"state": "approved"}, "state"),
    ({"region": "Auvergne"}, "region"),
    ({"page": "0"}, "page"),
    ({"per_page": "100001"}, "per_page"),
])
def test_a_bad_list_parameter_is_a_problem_naming_it(base, who, params, field):
    p = assert_problem(who["national"].get(base + "/api/v1/dossiers", params=params), 422, field)
    assert p["detail"]


# ---------------------------------------------------------------------------------------------
# Quotas


def test_a_validation_past_the_target_needs_an_override(base, who, flow, eav):
    national = who["national"]
    prog = national.post(base + "/api/v1/programmes", json={
        "code": unique("Q-"), "name": "Dispositif à objectif réduit", "target_posts": 50,
        "contract_min_months": 12, "contract_max_months": 36, "weekly_hours": 35,
        "employer_categories": ["association"], "requires_tutor": True}).json()
    jp = national.post(base + f"/api/v1/programmes/{prog['id']}/job-profiles",
                       json={"code": "mediateur", "title": "Médiateur numérique"}).json()
    d = flow.bring("national_review", programme_id=prog["id"], job_profile_id=jp["id"], pole_id=None,
                   posts_requested=3)
    quotas = requests.get(base + f"/api/v1/programmes/{prog['id']}/quotas").json()
    assert (quotas["target"], quotas["requested"], quotas["granted"]) == (50, 3, 0)
    r = national.patch(base + f"/api/v1/programmes/{prog['id']}", json={"version": prog["version"],
                                                                        "target_posts": 2})
    assert r.status_code == 200 and r.json()["target_posts"] == 2
    before = flow.get(d)
    p = assert_problem(flow.act("national", d, "validate", posts_granted=3), 422, "override_reason")
    assert "objectif de 2" in field_message(p, "override_reason")
    assert flow.get(d)["version"] == before["version"] and flow.get(d)["state"] == "national_review"
    # With the reason, the decision passes and the journal carries the override.
    reason = "Besoin exceptionnel validé en comité : trois quartiers prioritaires."
    flow.step("national", d, "validate", posts_granted=3, override_reason=reason)
    got = flow.get(d)
    assert got["posts_granted"] == 3 and got["quota_override"] == reason
    entry = flow.journal(d)[0]
    assert entry["action"] == "validate" and entry["detail"]["quota_override"] == reason
    assert entry["detail"]["quota"] == {"target": 2, "granted_before": 0, "granted_now": 3}
    quotas = requests.get(base + f"/api/v1/programmes/{prog['id']}/quotas").json()
    assert (quotas["granted"], quotas["requested"]) == (3, 3)
    assert [(x["region_code"], x["granted"]) for x in quotas["regions"]] == [("84", 3)]
    # Reopening gives the posts back: two can then be granted without an override.
    flow.step("national", d, "reopen", reason="Réexamen demandé par la préfecture")
    got = flow.get(d)
    assert got["posts_granted"] == 0 and got["quota_override"] is None
    assert requests.get(base + f"/api/v1/programmes/{prog['id']}/quotas").json()["granted"] == 0
    flow.step("national", d, "validate", posts_granted=2)
    entry = flow.journal(d)[0]
    assert "quota_override" not in entry["detail"]
    assert requests.get(base + f"/api/v1/programmes/{prog['id']}/quotas").json()["granted"] == 2


def test_an_override_within_the_target_is_not_recorded(flow):
    d = flow.bring("national_review")
    flow.step("national", d, "validate", posts_granted=1, override_reason="Par précaution")
    assert flow.get(d)["quota_override"] is None
    assert "quota_override" not in flow.journal(d)[0]["detail"]


# ---------------------------------------------------------------------------------------------
# Emails


def recipients(mailbox, subject_parts, expect, timeout=90):
    """Every recipient of the messages whose subject holds all of SUBJECT_PARTS, once EXPECT are all among them
    (and a moment more, so that unexpected ones show up too)."""
    deadline = time.monotonic() + timeout

    def seen():
        return {t.lower() for m in mailbox.messages if all(p in str(m["message"]["subject"]) for p in subject_parts)
                for t in m["to"]}

    with mailbox.cond:
        while not expect <= seen():
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"expected mail to {expect - seen()} about {subject_parts!r}; got {seen()}")
            mailbox.cond.wait(left)
    time.sleep(1.5)
    with mailbox.cond:
        return seen()


@pytest.mark.parametrize("action,actor,told,not_told", [
    ("submit", "employer", {"regional", "pole"}, {"national", "employer", "regional_other"}),
    ("give_opinion", "regional", {"national", "employer"}, {"pole", "regional"}),
    ("validate", "national", {"employer", "regional", "pole"}, {"national"}),
    ("refuse", "national", {"employer", "regional", "pole"}, {"national"}),
    ("request_changes", "regional", {"employer"}, {"pole", "national"}),
    ("withdraw", "employer", {"regional", "national"}, {"employer", "pole"}),
])
def test_each_transition_tells_the_right_people(mailbox, people, flow, action, actor, told, not_told):
    state = {"submit": "draft", "give_opinion": "regional_review", "validate": "national_review",
             "refuse": "national_review", "request_changes": "regional_review", "withdraw": "regional_review"}[action]
    d = flow.bring(state)
    flow.step(actor, d, action)
    label = {"submit": "En attente de l'avis régional", "give_opinion": "En attente de la décision nationale",
             "validate": "Validé", "refuse": "Refusé", "request_changes": "Compléments demandés",
             "withdraw": "Retiré par la structure"}[action]
    got = recipients(mailbox, [f"n° {d} — ", f": {label}"], {people[a] for a in told})
    for a in not_told:
        assert people[a] not in got, (a, got)
    msg = next(m for m in mailbox.messages if f"n° {d} — " in str(m["message"]["subject"]) and
               str(m["message"]["subject"]).endswith(label) and people[next(iter(told))] in m["to"])
    assert f"/dossiers/{d}" in msg["message"].get_body(preferencelist=("plain",)).get_content()


def test_a_withdrawn_draft_tells_nobody(mailbox, flow):
    d = flow.draft()
    flow.step("employer", d, "withdraw")
    time.sleep(2)
    assert not [m for m in mailbox.messages if f"n° {d} — " in str(m["message"]["subject"])]


# ---------------------------------------------------------------------------------------------
# Messages


def test_the_message_thread_both_ways(base, who, people, flow, mailbox):
    d = flow.bring("regional_review")
    url = base + f"/api/v1/dossiers/{d}/messages"
    r = who["employer"].post(url, json={"body": "Bonjour, le tuteur est disponible dès septembre."})
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["body"] == "Bonjour, le tuteur est disponible dès septembre." and first["id"]
    assert people["regional"] in recipients(mailbox, [f"n° {d} — ", "nouveau message"], {people["regional"]})
    r = who["regional"].post(url, json={"body": "Merci : pouvez-vous joindre son CV ?"})
    assert r.status_code == 201, r.text
    assert people["employer"] in recipients(mailbox, [f"n° {d} — ", "nouveau message"], {people["employer"]})
    thread = who["pole"].get(url).json()["items"]
    assert [m["body"] for m in thread] == ["Bonjour, le tuteur est disponible dès septembre.",
                                           "Merci : pouvez-vous joindre son CV ?"]
    assert thread[0]["author_label"] and thread[1]["author_label"]
    assert [e["action"] for e in flow.journal(d)][:2] == ["message", "message"]
    assert_problem(who["employer"].post(url, json={"body": "  "}), 422, "body")
    assert_problem(who["employer"].post(url, json={"body": "x" * 4001}), 422, "body")
    for actor in ("employer_other", "regional_other", "candidate"):
        assert_problem(who[actor].post(url, json={"body": "Intrus"}), 404)
        assert_problem(who[actor].get(url), 404)
    assert len(who["employer"].get(url).json()["items"]) == 2


# ---------------------------------------------------------------------------------------------
# The journal and the protocol


def test_the_journal_shows_each_action_with_from_and_to(flow):
    d = flow.bring("validated")
    entries = flow.journal(d, "employer")
    assert [e["action"] for e in entries] == ["validate", "give_opinion", "submit", "create"]
    assert [(e["detail"]["from"], e["detail"]["to"]) for e in entries[:3]] == [
        ("national_review", "validated"), ("regional_review", "national_review"), ("draft", "regional_review")]
    assert entries[1]["detail"]["payload"]["opinion"] == "favourable"
    assert all(e["at"] and e["actor_label"] for e in entries)
    ats = [e["at"] for e in entries]
    assert ats == sorted(ats, reverse=True)


def pdftotext(content):
    r = subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return r.stdout.decode("utf-8")


def test_the_protocol_pdf(base, who, flow):
    d = flow.bring("national_review")
    flow.step("national", d, "request_changes", questions="Précisez le tutorat.")
    flow.step("employer", d, "resubmit")
    flow.step("regional", d, "give_opinion", opinion="favourable_reserves",
              suggestions="Élargir l'accueil aux « seniors » du canton", advice="Prévoir un tuteur suppléant à 50 %")
    flow.step("national", d, "validate", posts_granted=2)
    r = who["employer"].get(base + f"/api/v1/dossiers/{d}/protocol.pdf")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF-")
    # The journal's hash of the decision is the hash of the document downloaded after it.
    entry = flow.journal(d)[0]
    assert entry["action"] == "validate"
    assert entry["detail"]["protocol_sha256"] == hashlib.sha256(r.content).hexdigest()
    assert flow.get(d)["pdf_sha256"] == entry["detail"]["protocol_sha256"]
    text = pdftotext(r.content)
    flat = re.sub(r"\s+", " ", text)
    for needle in ("Protocole d’adhésion", "Favorable avec réserves", "Élargir l'accueil aux « seniors » du canton",
                   "Prévoir un tuteur suppléant à 50 %", "Rémi Chargé-de-mission", "Nadia Délégation",
                   "Postes accordés : 2", "Les Ateliers numériques de la vallée de la Drôme", "Anne Tutrice"):
        assert needle in flat, (needle, text)
    # Every party and reviewer downloads the same bytes.
    for actor in ("regional", "pole", "national", "admin"):
        again = who[actor].get(base + f"/api/v1/dossiers/{d}/protocol.pdf")
        assert again.status_code == 200 and again.content == r.content, actor
    for actor in ("employer_other", "regional_other", "candidate"):
        assert_problem(who[actor].get(base + f"/api/v1/dossiers/{d}/protocol.pdf"), 404)
    assert_problem(requests.get(base + f"/api/v1/dossiers/{d}/protocol.pdf"), 401)


def test_the_protocol_of_a_refusal_holds_the_reason(base, who, flow):
    d = flow.bring("national_review")
    flow.step("national", d, "refuse", reason="Le territoire est déjà couvert par l'EPN « Le Cube » à 3 km.")
    r = who["employer"].get(base + f"/api/v1/dossiers/{d}/protocol.pdf")
    assert r.status_code == 200
    assert flow.journal(d)[0]["detail"]["protocol_sha256"] == hashlib.sha256(r.content).hexdigest()
    flat = re.sub(r"\s+", " ", pdftotext(r.content))
    assert "Le territoire est déjà couvert par l'EPN « Le Cube » à 3 km." in flat
    assert "Favorable" in flat  # the opinion given before the decision
