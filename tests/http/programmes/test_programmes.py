"""/api/v1/programmes, /api/v1/job-profiles and /api/v1/openapi.json: programmes as data, read by anyone,
edited by the national delegation; the OpenAPI document generated from the route and entity tables."""
import html
import json

import pytest
import requests

from conftest import DEMO_ACCOUNTS, run_cli, text, unique

EAV = "EAV-EPN-2013"
CNFS = "CNFS-2020"
PLACE = "demo-ateliers-numeriques-crest"


def assert_problem(r, status, field=None):
    assert r.status_code == status, (r.status_code, r.text[:800])
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers.get("content-type")
    p = r.json()
    assert p["status"] == status and p["title"] and p["detail"]
    if field is not None:
        assert field in [e["field"] for e in p["errors"]], p
    return p


@pytest.fixture(scope="module")
def bearer(server):
    """bearer(email) -> a requests.Session with an API token of that account (made by `tremplin token create`)."""
    cache = {}

    def get(email):
        if email not in cache:
            r = run_cli("token", "create", email, unique("tests-"))
            assert r.returncode == 0, r.stderr
            s = requests.Session()
            s.headers["Authorization"] = "Bearer " + r.stdout.strip()
            cache[email] = s
        return cache[email]

    return get


@pytest.fixture(scope="module")
def national(bearer):
    return bearer(DEMO_ACCOUNTS["national"])


@pytest.fixture(scope="module")
def structure(bearer):
    return bearer(DEMO_ACCOUNTS["employer"])


def programme_by_code(base, code):
    items = requests.get(base + "/api/v1/programmes").json()["items"]
    return next(p for p in items if p["code"] == code)


def programme_body(**over):
    body = {"code": unique("P-"), "name": "Dispositif d'essai « médiation »", "target_posts": 50,
            "contract_min_months": 12, "contract_max_months": 24, "weekly_hours": 35,
            "employer_categories": ["association", "collectivite"], "requires_tutor": True}
    body.update(over)
    return body


# ---------------------------------------------------------------------------------------------
# Reading (public)


def test_list_is_public_and_holds_the_shipped_programmes(base):
    r = requests.get(base + "/api/v1/programmes")
    assert r.status_code == 200
    by_code = {p["code"]: p for p in r.json()["items"]}
    assert by_code[EAV]["target_posts"] == 2000
    assert by_code[EAV]["contract_min_months"] == 12 and by_code[EAV]["contract_max_months"] == 36
    assert by_code[EAV]["requires_company"] is True
    assert by_code[CNFS]["target_posts"] == 4000
    assert by_code[CNFS]["training_months"] == 4


def test_programme_is_public_with_its_job_profiles_and_poles(base):
    eav = programme_by_code(base, EAV)
    r = requests.get(base + f"/api/v1/programmes/{eav['id']}")
    assert r.status_code == 200
    p = r.json()
    codes = {j["code"] for j in p["job_profiles"]}
    assert {"forgeur-numerique", "assistant-valorisation-territoire", "assistant-usages-responsables",
            "assistant-videoludique", "regisseur-multimedia", "assistant-usages-mobiles"} <= codes
    poles = {x["code"]: x for x in p["poles"]}
    assert {"nord-ouest", "nord-est", "ile-de-france-centre", "centre-est", "sud"} == set(poles)
    assert "Auvergne-Rhône-Alpes" in poles["centre-est"]["region_names"]
    assert p["quotas"]["target"] == 2000
    assert set(p["employer_categories"].split("|")) == {"collectivite", "gip", "association"}


def test_unknown_programme_is_404(base):
    assert_problem(requests.get(base + "/api/v1/programmes/999999"), 404)
    assert_problem(requests.get(base + "/api/v1/job-profiles/999999"), 404)
    assert_problem(requests.get(base + "/api/v1/programmes/999999/quotas"), 404)


def test_quotas_are_public(base):
    eav = programme_by_code(base, EAV)
    r = requests.get(base + f"/api/v1/programmes/{eav['id']}/quotas")
    assert r.status_code == 200
    q = r.json()
    assert q["target"] == 2000
    assert set(q) >= {"requested", "granted", "regions"}
    for region in q["regions"]:
        assert set(region) >= {"region_code", "region_name", "requested", "granted", "target"}


# ---------------------------------------------------------------------------------------------
# Creating and editing (national officers)


def test_national_creates_a_programme(base, national):
    body = programme_body()
    r = national.post(base + "/api/v1/programmes", json=body)
    assert r.status_code == 201, r.text
    p = r.json()
    assert r.headers["location"] == f"/api/v1/programmes/{p['id']}"
    assert p["code"] == body["code"] and p["name"] == body["name"]
    assert p["employer_categories"] == "association|collectivite"
    assert p["active"] is True and p["version"] == 1
    assert p["job_profiles"] == [] and p["poles"] == []
    assert body["code"] in [x["code"] for x in requests.get(base + "/api/v1/programmes").json()["items"]]
    j = national.get(base + "/api/v1/dossiers", params={"programme_id": p["id"]}).json()
    assert j["total"] == 0


@pytest.mark.parametrize("who", ["employer", "regional", "pole", "candidate"])
def test_others_cannot_create_or_edit_programmes(base, bearer, who):
    s = bearer(DEMO_ACCOUNTS[who])
    assert_problem(s.post(base + "/api/v1/programmes", json=programme_body()), 403)
    eav = programme_by_code(base, EAV)
    assert_problem(s.patch(base + f"/api/v1/programmes/{eav['id']}", json={"version": eav["version"],
                                                                           "target_posts": 1}), 403)
    assert_problem(s.post(base + f"/api/v1/programmes/{eav['id']}/job-profiles",
                          json={"code": "x", "title": "X"}), 403)
    assert programme_by_code(base, EAV)["target_posts"] == 2000


def test_anonymous_cannot_create_a_programme(base):
    assert_problem(requests.post(base + "/api/v1/programmes", json=programme_body()), 401)


@pytest.mark.parametrize("over,field", [
    ({"code": None}, "code"),
    ({"name": ""}, "name"),
    ({"contract_min_months": 30, "contract_max_months": 12}, "contract_max_months"),
    ({"employer_categories": ["association", "banque"]}, "employer_categories"),
    ({"employer_categories": []}, "employer_categories"),
    ({"weekly_hours": 60}, "weekly_hours"),
    ({"target_posts": "beaucoup"}, "target_posts"),
    ({"starts_on": "2020-02-30"}, "starts_on"),
    ({"starts_on": "2021-01-01", "ends_on": "2020-01-01"}, "ends_on"),
    ({"code": EAV}, "code"),
])
def test_invalid_programme_is_422_naming_the_field(base, national, over, field):
    body = {k: v for k, v in programme_body(**over).items() if v is not None}
    p = assert_problem(national.post(base + "/api/v1/programmes", json=body), 422, field)
    assert all(e["message"].strip() for e in p["errors"])


def test_patch_changes_only_the_members_sent_and_checks_the_version(base, national):
    p = national.post(base + "/api/v1/programmes", json=programme_body()).json()
    r = national.patch(base + f"/api/v1/programmes/{p['id']}", json={"version": 1, "target_posts": 7})
    assert r.status_code == 200, r.text
    after = r.json()
    assert after["target_posts"] == 7 and after["version"] == 2
    assert after["name"] == p["name"] and after["employer_categories"] == p["employer_categories"]
    # Stale: nothing changes.
    assert_problem(national.patch(base + f"/api/v1/programmes/{p['id']}", json={"version": 1, "target_posts": 9}),
                   409)
    # The version is required.
    assert_problem(national.patch(base + f"/api/v1/programmes/{p['id']}", json={"target_posts": 9}), 422, "version")
    # An invalid value names its field.
    assert_problem(national.patch(base + f"/api/v1/programmes/{p['id']}",
                                  json={"version": 2, "contract_min_months": 99}), 422, "contract_max_months")
    now = requests.get(base + f"/api/v1/programmes/{p['id']}").json()
    assert now["target_posts"] == 7 and now["version"] == 2
    assert_problem(national.patch(base + "/api/v1/programmes/999999", json={"version": 1}), 404)


def test_a_closed_programme_takes_no_new_dossier(base, national, structure):
    p = national.post(base + "/api/v1/programmes", json=programme_body()).json()
    assert national.patch(base + f"/api/v1/programmes/{p['id']}", json={"version": 1, "active": False}).json()[
        "active"] is False
    assert_problem(structure.post(base + "/api/v1/dossiers", json={"programme_id": p["id"]}), 422, "programme_id")


def test_a_programme_whose_period_ended_is_shown_closed_and_takes_no_new_dossier(base, national, structure, sessions):
    p = national.post(base + "/api/v1/programmes",
                      json=programme_body(starts_on="2013-09-14", ends_on="2016-12-31")).json()
    got = requests.get(base + f"/api/v1/programmes/{p['id']}").json()
    assert got["active"] is True and got["open"] is False
    assert "a pris fin le 31 décembre 2016" in got["closed_reason"]
    page = text(requests.get(base + f"/programmes/{p['id']}"))
    assert "Fermé aux nouveaux dossiers" in page and "a pris fin le 31 décembre 2016" in page
    row = next(r for r in text(requests.get(base + "/programmes")).split("<tr") if p["name"] in r and p["code"] in r)
    assert "Fermé" in row and "Ouvert" not in row
    e = assert_problem(structure.post(base + "/api/v1/dossiers", json={"programme_id": p["id"]}), 422, "programme_id")
    assert "a pris fin le 31 décembre 2016" in e["errors"][0]["message"]
    # The form does not offer it, and refuses it by its address.
    s = sessions["employer"]
    assert f'value="{p["id"]}"' not in s.get(base + "/dossiers/nouveau").text
    r = s.get(base + "/dossiers/nouveau", params={"dispositif": p["id"]})
    assert r.status_code == 422 and "a pris fin le 31 décembre 2016" in text(r)
    # Not yet open: refused too, with its opening day.
    later = national.post(base + "/api/v1/programmes", json=programme_body(starts_on="2099-01-04")).json()
    e = assert_problem(structure.post(base + "/api/v1/dossiers", json={"programme_id": later["id"]}), 422,
                       "programme_id")
    assert "n'ouvre que le 4 janvier 2099" in e["errors"][0]["message"]


def test_a_draft_begun_before_the_end_is_not_deposited_after(base, national, structure):
    p = national.post(base + "/api/v1/programmes", json=programme_body(starts_on="2020-01-01")).json()
    r = structure.post(base + "/api/v1/dossiers", json={"programme_id": p["id"]})
    assert r.status_code == 201, r.text
    d = r.json()
    r = national.patch(base + f"/api/v1/programmes/{p['id']}", json={"version": p["version"], "ends_on": "2021-12-31"})
    assert r.status_code == 200, r.text
    e = assert_problem(structure.post(base + f"/api/v1/dossiers/{d['id']}/actions/submit",
                                      json={"version": d["version"]}), 409)
    assert "a pris fin le 31 décembre 2021" in e["detail"]
    assert structure.get(base + f"/api/v1/dossiers/{d['id']}").json()["state"] == "draft"


def test_who_decides_and_what_the_form_asks_are_the_programme_s(base, structure, sessions):
    eav, cnfs = programme_by_code(base, EAV), programme_by_code(base, CNFS)
    assert eav["decided_by"] == "Délégation aux usages de l'Internet"
    assert cnfs["decided_by"] == "Agence nationale de la cohésion des territoires (ANCT)"
    s = sessions["employer"]
    form = s.get(base + "/dossiers/nouveau", params={"dispositif": cnfs["id"]})
    assert form.status_code == 200
    for absent in ('name="sponsor_name"', 'name="sponsor_qualities"', 'name="company_siret"', 'name="pole_id"',
                   "Le parrain et l'entreprise marraine"):
        assert absent not in html.unescape(form.text), absent
    assert 'name="tutor_name"' in form.text
    form = s.get(base + "/dossiers/nouveau", params={"dispositif": eav["id"]})
    assert 'name="sponsor_name"' in form.text and 'name="pole_id"' in form.text
    # The domain stores no value the programme does not ask for.
    r = structure.post(base + "/api/v1/dossiers", json={"programme_id": cnfs["id"], "sponsor_name": "Paul Parrain",
                                                        "tutor_name": "Sébastien Structure"})
    assert r.status_code == 201, r.text
    d = structure.get(base + f"/api/v1/dossiers/{r.json()['id']}").json()
    assert d.get("sponsor_name") is None and d["tutor_name"] == "Sébastien Structure"


# ---------------------------------------------------------------------------------------------
# Job profiles


def profile_body(**over):
    body = {"code": unique("metier-"), "title": "Animateur ou animatrice de fablab",
            "summary": "Accompagne les publics à la fabrication numérique.",
            "training_template": "Prise de poste (35 h)\nFabrication numérique (70 h)"}
    body.update(over)
    return body


def test_job_profile_create_read_edit(base, national):
    p = national.post(base + "/api/v1/programmes", json=programme_body()).json()
    r = national.post(base + f"/api/v1/programmes/{p['id']}/job-profiles", json=profile_body())
    assert r.status_code == 201, r.text
    jp = r.json()
    assert r.headers["location"] == f"/api/v1/job-profiles/{jp['id']}"
    assert jp["programme_id"] == p["id"] and jp["active"] is True and jp["version"] == 1
    got = requests.get(base + f"/api/v1/job-profiles/{jp['id']}")
    assert got.status_code == 200 and got.json()["title"] == "Animateur ou animatrice de fablab"
    r = national.patch(base + f"/api/v1/job-profiles/{jp['id']}", json={"version": 1, "title": "Fabmanager"})
    assert r.status_code == 200, r.text
    assert r.json()["title"] == "Fabmanager" and r.json()["summary"] == jp["summary"] and r.json()["version"] == 2
    assert_problem(national.patch(base + f"/api/v1/job-profiles/{jp['id']}", json={"version": 1, "title": "X"}),
                   409)
    prog = requests.get(base + f"/api/v1/programmes/{p['id']}").json()
    assert [j["title"] for j in prog["job_profiles"]] == ["Fabmanager"]


@pytest.mark.parametrize("over,field", [
    ({"code": "Avec Espaces"}, "code"),
    ({"code": "métier"}, "code"),
    ({"title": ""}, "title"),
    ({"summary": "x" * 1001}, "summary"),
])
def test_invalid_job_profile_is_422(base, national, over, field):
    p = programme_by_code(base, CNFS)
    assert_problem(national.post(base + f"/api/v1/programmes/{p['id']}/job-profiles", json=profile_body(**over)),
                   422, field)


def test_job_profile_code_is_unique_within_its_programme(base, national):
    p = national.post(base + "/api/v1/programmes", json=programme_body()).json()
    body = profile_body()
    assert national.post(base + f"/api/v1/programmes/{p['id']}/job-profiles", json=body).status_code == 201
    assert_problem(national.post(base + f"/api/v1/programmes/{p['id']}/job-profiles", json=body), 422, "code")
    other = national.post(base + "/api/v1/programmes", json=programme_body()).json()
    assert national.post(base + f"/api/v1/programmes/{other['id']}/job-profiles", json=body).status_code == 201
    assert_problem(national.post(base + "/api/v1/programmes/999999/job-profiles", json=profile_body()), 404)


def test_removing_an_unused_job_profile_deletes_it(base, national, structure):
    p = national.post(base + "/api/v1/programmes", json=programme_body()).json()
    jp = national.post(base + f"/api/v1/programmes/{p['id']}/job-profiles", json=profile_body()).json()
    assert_problem(national.delete(base + f"/api/v1/job-profiles/{jp['id']}"), 422, "version")
    assert_problem(national.delete(base + f"/api/v1/job-profiles/{jp['id']}", json={"version": 5}), 409)
    assert_problem(structure.delete(base + f"/api/v1/job-profiles/{jp['id']}", json={"version": 1}), 403)
    r = national.delete(base + f"/api/v1/job-profiles/{jp['id']}", params={"version": 1})
    assert r.status_code == 200, r.text
    assert r.json() == {"deactivated": False}
    assert_problem(requests.get(base + f"/api/v1/job-profiles/{jp['id']}"), 404)


def test_removing_a_job_profile_in_use_deactivates_it(base, national, structure):
    p = national.post(base + "/api/v1/programmes", json=programme_body()).json()
    jp = national.post(base + f"/api/v1/programmes/{p['id']}/job-profiles", json=profile_body()).json()
    r = structure.post(base + "/api/v1/dossiers", json={"programme_id": p["id"], "job_profile_id": jp["id"]})
    assert r.status_code == 201, r.text
    dossier = r.json()
    r = national.delete(base + f"/api/v1/job-profiles/{jp['id']}", json={"version": 1})
    assert r.status_code == 200, r.text
    assert r.json() == {"deactivated": True}
    got = requests.get(base + f"/api/v1/job-profiles/{jp['id']}").json()
    assert got["active"] is False and got["dossiers"] == 1
    # The dossier keeps its profile, which can no longer be submitted.
    assert structure.get(base + f"/api/v1/dossiers/{dossier['id']}").json()["job_profile_id"] == jp["id"]
    # Removed again: still there, still inactive.
    assert national.delete(base + f"/api/v1/job-profiles/{jp['id']}", json={"version": 2}).json() == {
        "deactivated": True}
    assert requests.get(base + f"/api/v1/job-profiles/{jp['id']}").status_code == 200


def test_a_profile_of_another_programme_is_refused_on_a_dossier(base, national, structure):
    eav = programme_by_code(base, EAV)
    cnfs = requests.get(base + f"/api/v1/programmes/{programme_by_code(base, CNFS)['id']}").json()
    r = structure.post(base + "/api/v1/dossiers",
                       json={"programme_id": eav["id"], "job_profile_id": cnfs["job_profiles"][0]["id"]})
    assert_problem(r, 422, "job_profile_id")


# ---------------------------------------------------------------------------------------------
# The OpenAPI document


@pytest.fixture(scope="module")
def openapi(base):
    r = requests.get(base + "/api/v1/openapi.json")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    return json.loads(r.text)


def test_openapi_is_a_3_0_document(openapi):
    assert openapi["openapi"].startswith("3.0.")
    assert openapi["info"]["title"] and openapi["info"]["version"]
    assert openapi["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}


def test_openapi_says_202_where_the_answer_is_the_same_for_any_email(openapi):
    for path in ("/api/v1/candidates", "/api/v1/prescriber/candidates"):
        responses = openapi["paths"][path]["post"]["responses"]
        assert "202" in responses and "200" not in responses, (path, sorted(responses))


def test_openapi_lists_the_api_routes(openapi):
    paths = openapi["paths"]
    expected = {
        "/api/v1/programmes": {"get", "post"},
        "/api/v1/programmes/{id}": {"get", "patch"},
        "/api/v1/programmes/{id}/job-profiles": {"post"},
        "/api/v1/programmes/{id}/quotas": {"get"},
        "/api/v1/job-profiles/{id}": {"get", "patch", "delete"},
        "/api/v1/dossiers": {"get", "post"},
        "/api/v1/dossiers/{id}": {"get", "patch"},
        "/api/v1/dossiers/{id}/actions/{token}": {"post"},
        "/api/v1/dossiers/{id}/journal": {"get"},
        "/api/v1/dossiers/{id}/messages": {"get", "post"},
        "/api/v1/dossiers/{id}/protocol.pdf": {"get"},
        "/api/v1/me": {"get"},
        "/api/v1/places/{token}": {"get"},
        "/api/v1/openapi.json": {"get"},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert methods <= set(paths[path]), (path, set(paths[path]))
    assert not [p for p in paths if not p.startswith("/api/")]
    ids = [op["operationId"] for item in paths.values() for op in item.values()]
    assert len(ids) == len(set(ids))


def test_openapi_operations(openapi):
    paths = openapi["paths"]
    act = paths["/api/v1/dossiers/{id}/actions/{token}"]["post"]
    params = {p["name"]: p for p in act["parameters"]}
    assert params["id"]["in"] == "path" and params["id"]["schema"]["type"] == "integer"
    assert params["token"]["schema"]["type"] == "string"
    assert params["token"]["schema"]["enum"] == ["submit", "resubmit", "give_opinion", "validate", "refuse",
                                                 "request_changes", "withdraw", "reopen"]
    assert act["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/dossier_action"}
    for status in ("200", "401", "403", "404", "409", "422"):
        assert status in act["responses"], status
    problem = act["responses"]["409"]["content"]["application/problem+json"]["schema"]
    assert problem == {"$ref": "#/components/schemas/Problem"}
    create = paths["/api/v1/dossiers"]["post"]
    assert "201" in create["responses"]
    listing = paths["/api/v1/dossiers"]["get"]
    assert {p["name"] for p in listing["parameters"] if p["in"] == "query"} >= {
        "programme_id", "region", "state", "job_profile_id", "page", "per_page"}
    public = paths["/api/v1/programmes"]["get"]
    assert public["security"] == [] and "401" not in public["responses"]
    assert paths["/api/v1/programmes"]["post"]["x-roles"] == ["admin", "national"]
    pdf = paths["/api/v1/dossiers/{id}/protocol.pdf"]["get"]["responses"]["200"]["content"]
    assert list(pdf) == ["application/pdf"]


def test_openapi_schemas_come_from_the_entity_tables(openapi):
    schemas = openapi["components"]["schemas"]
    for name in ("dossier", "programme", "job_profile", "opinion", "decision", "reason", "questions", "message",
                 "Problem"):
        assert name in schemas, name
    dossier = schemas["dossier"]["properties"]
    assert dossier["development_project"]["type"] == "string"
    assert dossier["development_project"]["maxLength"] == 2000
    assert "Projet de développement" in dossier["development_project"]["description"]
    assert dossier["posts_requested"] == {"type": "integer", "minimum": 1, "maximum": 100, "nullable": True,
                                          "description": "Nombre de postes demandés"}
    assert dossier["netpublic"]["type"] == "boolean"
    assert dossier["signed_on"]["format"] == "date"
    assert dossier["company_siret"]["pattern"] == "^[0-9]{14}$"
    assert dossier["employer_category"]["enum"] == ["collectivite", "gip", "association", "etablissement_public",
                                                    "entreprise", None]
    assert "required" not in schemas["dossier"]  # drafts are saved as they are
    opinion = schemas["opinion"]
    assert opinion["required"] == ["opinion"]
    assert opinion["properties"]["opinion"]["enum"] == ["favourable", "favourable_reserves", "unfavourable"]
    assert "nullable" not in opinion["properties"]["opinion"] and opinion["properties"]["advice"]["nullable"]
    assert "Favorable avec réserves" in opinion["properties"]["opinion"]["description"]
    assert schemas["decision"]["required"] == ["posts_granted"]
    assert "override_reason" in schemas["decision"]["properties"]
    assert schemas["reason"]["required"] == ["reason"]
    assert schemas["programme"]["required"] >= ["code", "name"]
    assert schemas["programme_patch"]["required"] == ["version"]
    assert schemas["job_profile"]["properties"]["code"]["maxLength"] == 60
    state = schemas["dossier_record"]["allOf"][2]["properties"]["state"]
    assert "changes_requested" in state["enum"]
    # Every reference points at a schema of the document.
    refs = []

    def walk(x):
        if isinstance(x, dict):
            if "$ref" in x:
                refs.append(x["$ref"])
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(openapi)
    assert refs
    for ref in refs:
        assert ref.startswith("#/components/schemas/") and ref.split("/")[-1] in schemas, ref


# ---------------------------------------------------------------------------------------------
# Regional targets and the eligibility criteria as data


def test_region_targets_are_set_shown_and_removed(base, national, structure):
    r = national.post(base + "/api/v1/programmes", json=programme_body())
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    url = base + f"/api/v1/programmes/{pid}/region-targets/84"
    assert_problem(structure.put(url, json={"target_posts": 5}), 403)
    assert_problem(national.put(url, json={"target_posts": -1}), 422, "target_posts")
    assert_problem(national.put(base + f"/api/v1/programmes/{pid}/region-targets/99", json={"target_posts": 3}),
                   422, "region")
    r = national.put(url, json={"target_posts": 5})
    assert r.status_code == 200, r.text
    rows = {x["region_code"]: x for x in r.json()["regions"]}
    assert rows["84"]["target"] == 5 and rows["84"]["granted"] == 0
    got = requests.get(base + f"/api/v1/programmes/{pid}").json()
    assert [(t["region_code"], t["target_posts"]) for t in got["region_targets"]] == [("84", 5)]
    r = national.put(url, json={"target_posts": None})
    assert r.status_code == 200 and "84" not in {x["region_code"] for x in r.json()["regions"]}
    journal = national.get(base + f"/api/v1/programmes/{pid}").json()
    assert journal["region_targets"] == []


def test_eligibility_criteria_are_edited_as_data(base, national):
    r = national.post(base + "/api/v1/programmes", json=programme_body(
        requires_eligibility=True, eligibility_valid_months=3, total_max_months=30,
        eligibility={"age": {"min": 18, "max": 30}}))
    assert r.status_code == 201, r.text
    got = requests.get(base + f"/api/v1/programmes/{r.json()['id']}").json()
    assert got["requires_eligibility"] is True and got["eligibility_valid_months"] == 3
    assert got["total_max_months"] == 30 and json.loads(got["eligibility"]) == {"age": {"min": 18, "max": 30}}
    bad = national.patch(base + f"/api/v1/programmes/{got['id']}",
                         json={"version": got["version"], "eligibility": {"paths": "toujours"}})
    p = assert_problem(bad, 422, "eligibility")
    assert "Critères d'éligibilité" in [e["message"] for e in p["errors"] if e["field"] == "eligibility"][0]


def test_the_programme_page_sets_a_region_target(base, national, structure):
    pid = programme_by_code(base, EAV)["id"]
    page = national.get(base + f"/programmes/{pid}")
    assert page.status_code == 200 and "Fixer l'objectif d'une région" in html.unescape(page.text)
    assert "Fixer l'objectif" not in html.unescape(structure.get(base + f"/programmes/{pid}").text)
    r = national.post(base + f"/programmes/{pid}/objectifs", data={"region": "", "target_posts": "3"},
                      allow_redirects=False)
    assert r.status_code == 422 and "« Région » est obligatoire." in r.text
    r = national.post(base + f"/programmes/{pid}/objectifs", data={"region": "84", "target_posts": "120"},
                      allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"].endswith("#postes")
    assert national.get(base + f"/programmes/{pid}").text.count("120") >= 1
    assert structure.post(base + f"/programmes/{pid}/objectifs", data={"region": "84"},
                          allow_redirects=False).status_code == 403
    national.put(base + f"/api/v1/programmes/{pid}/region-targets/84", json={"target_posts": None})
