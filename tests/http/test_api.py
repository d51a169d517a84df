"""/api/v1: credentials, reference data, people, memberships, organisations, tokens, errors as problems."""
import pytest
import requests

from conftest import (DEMO_ACCOUNTS, NON_ADMIN_ROLES, ROLES, journal_verify, luhn_siret, org_id, page_csrf,
                      person_id, post_login, sql, sql_int, unique, unique_email)

EPN = "Les Ateliers numériques de la vallée de la Drôme"
MISSION_LOCALE = "Mission locale Vallée de la Drôme"


def assert_problem(r, status):
    assert r.status_code == status, (r.status_code, r.text[:500])
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers.get("content-type")
    p = r.json()
    assert p["status"] == status
    assert p["title"] and p["detail"]
    assert isinstance(p["errors"], list)
    for e in p["errors"]:
        assert set(e) >= {"field", "message"}
        assert e["message"].strip()
    return p


def error_fields(p):
    return {e["field"] for e in p["errors"]}


@pytest.fixture(scope="module")
def role_api(sessions, base):
    """role -> a requests.Session using a bearer token of that demo account."""
    cache = {}

    def get(role):
        if role not in cache:
            s = sessions[role]
            r = s.post(base + "/api/v1/tokens", json={"name": f"tests {role}"},
                       headers={"X-CSRF-Token": page_csrf(s, base)})
            assert r.status_code == 201, r.text
            b = requests.Session()
            b.headers["Authorization"] = "Bearer " + r.json()["token"]
            cache[role] = b
        return cache[role]

    return get


def person_body(**over):
    body = {"email": unique_email("api"), "name": "Aline Api", "role": "viewer"}
    body.update(over)
    return {k: v for k, v in body.items() if v is not None}


# ---------------------------------------------------------------------------------------------
# Credentials


def test_me_with_a_bearer_token(base, api):
    r = api.get(base + "/api/v1/me")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    me = r.json()
    assert me["email"] == "admin@demo.tremplin.fr"
    assert me["name"] == "Camille Administratrice"
    assert [m["role"] for m in me["memberships"]] == ["admin"]
    assert "password_hash" not in me


def test_me_with_the_session_cookie(base, sessions):
    for role in ROLES:
        r = sessions[role].get(base + "/api/v1/me")
        assert r.status_code == 200
        me = r.json()
        assert me["email"] == DEMO_ACCOUNTS[role]
        assert role in [m["role"] for m in me["memberships"]]


@pytest.mark.parametrize("auth", [None, "Bearer trp_inconnu", "Bearer ", "Basic YWRtaW46YWRtaW4=", "trp_sans_schema",
                                  "Bearer pas-un-jeton"])
def test_me_without_valid_credentials_is_401(base, auth):
    headers = {"Authorization": auth} if auth is not None else {}
    r = requests.get(base + "/api/v1/me", headers=headers)
    assert_problem(r, 401)
    assert r.headers.get("www-authenticate", "").startswith("Bearer")


def test_me_of_a_regional_officer_shows_the_region(base, sessions):
    me = sessions["regional"].get(base + "/api/v1/me").json()
    # The regions of a membership are rows, answered as a list of codes.
    assert [m["regions"] for m in me["memberships"] if m["role"] == "regional"] == [["84"]]


def test_session_state_changes_need_the_csrf_header(base, login):
    s = login("pilotage@demo.tremplin.fr")
    assert s.post(base + "/api/v1/tokens", json={"name": "sans en-tête"}).status_code == 403
    r = s.post(base + "/api/v1/tokens", json={"name": "mauvais en-tête"}, headers={"X-CSRF-Token": "x" * 43})
    assert_problem(r, 403)
    r = s.post(base + "/api/v1/tokens", json={"name": "bon en-tête"}, headers={"X-CSRF-Token": page_csrf(s, base)})
    assert r.status_code == 201


# ---------------------------------------------------------------------------------------------
# Reference data (public)


@pytest.mark.parametrize("q,code", [
    ("saint etienne", "42218"),
    ("SAINT-ÉTIENNE", "42218"),
    ("Saint-Étienne", "42218"),
    ("69123", "69123"),
    ("26400", "26108"),
    ("crest", "26108"),
    ("Ajaccio", "2A004"),
])
def test_commune_search(base, q, code):
    r = requests.get(base + "/api/v1/communes", params={"q": q})
    assert r.status_code == 200
    items = r.json()["items"]
    assert code in [c["code"] for c in items], [(c["code"], c["name"]) for c in items]


def test_commune_search_by_name_puts_the_exact_name_first(base):
    items = requests.get(base + "/api/v1/communes", params={"q": "saint etienne"}).json()["items"]
    assert items[0]["code"] == "42218"
    assert items[0]["name"] == "Saint-Étienne"
    assert items[0]["departement_code"] == "42"
    assert items[0]["region_code"] == "84"


def test_commune_search_by_postal_code_returns_its_communes(base):
    items = requests.get(base + "/api/v1/communes", params={"q": "26400"}).json()["items"]
    assert len(items) > 1
    for c in items:
        assert "26400" in c["postal_codes"], c


def test_commune_search_limits(base):
    assert requests.get(base + "/api/v1/communes", params={"q": ""}).json()["items"] == []
    assert requests.get(base + "/api/v1/communes").json()["items"] == []
    items = requests.get(base + "/api/v1/communes", params={"q": "saint", "limit": "5"}).json()["items"]
    assert len(items) == 5


def test_regions(base):
    r = requests.get(base + "/api/v1/regions")
    assert r.status_code == 200
    regions = {x["code"]: x["name"] for x in r.json()["items"]}
    assert regions["84"] == "Auvergne-Rhône-Alpes"
    assert regions["11"] == "Île-de-France"
    official = {"01", "02", "03", "04", "06", "11", "24", "27", "28", "32", "44", "52", "53", "75", "76", "84", "93",
                "94"}
    assert official <= set(regions)


# ---------------------------------------------------------------------------------------------
# People


def test_people_list_and_search(base, api):
    r = api.get(base + "/api/v1/people")
    assert r.status_code == 200
    data = r.json()
    assert data["total"] >= 10
    emails = {p["email"] for p in data["items"]}
    assert "admin@demo.tremplin.fr" in emails
    data = api.get(base + "/api/v1/people", params={"q": "rémi"}).json()
    assert [p["email"] for p in data["items"]] == ["regional@demo.tremplin.fr"]


def test_create_person_with_password(base, api, login):
    body = person_body(email=unique_email("API").replace("API", "Api-Maj"), password="un mot de passe via l'api",
                       role="regional", regions="84|93")
    r = api.post(base + "/api/v1/people", json=body)
    assert r.status_code == 201, r.text
    created = r.json()
    assert r.headers["location"] == f"/api/v1/people/{created['id']}"
    assert created["email"] == body["email"].lower()
    assert "password" not in created and "password_hash" not in created
    assert [(m["role"], m["regions"]) for m in created["memberships"]] == [("regional", ["84", "93"])]
    assert person_id(created["email"]) == created["id"]
    s = login(body["email"], body["password"])
    assert 'href="/compte">Aline Api<' in s.get(base + "/").text


def test_get_person_and_organisation_by_id(base, api):
    created = api.post(base + "/api/v1/people", json=person_body()).json()
    got = api.get(base + f"/api/v1/people/{created['id']}")
    assert got.status_code == 200
    assert got.json()["email"] == created["email"]
    assert got.json()["memberships"][0]["role"] == "viewer"
    org = api.post(base + "/api/v1/organisations", json=org_body()).json()
    got = api.get(base + f"/api/v1/organisations/{org['id']}")
    assert got.status_code == 200
    assert got.json()["name"] == org["name"]


def test_create_person_without_password_sends_an_invitation(base, api, wait_mail):
    body = person_body(role="employer", organisation_id=org_id(EPN))
    r = api.post(base + "/api/v1/people", json=body)
    assert r.status_code == 201, r.text
    assert r.json()["memberships"][0]["organisation_id"] == org_id(EPN)
    assert f"{base}/invitation/" in wait_mail(body["email"], "tremplin")


@pytest.mark.parametrize("over,fields", [
    ({"email": None}, {"email"}),
    ({"email": "pas-une-adresse"}, {"email"}),
    ({"email": "a@b"}, {"email"}),
    ({"name": ""}, {"name"}),
    ({"name": "x" * 201}, {"name"}),
    ({"role": "empereur"}, {"role"}),
    ({"role": None}, {"role"}),
    ({"role": "regional"}, {"regions"}),
    ({"role": "regional", "regions": "84,99"}, {"regions"}),
    ({"role": "pole", "regions": "84"}, {"organisation_id"}),
    ({"role": "employer"}, {"organisation_id"}),
    ({"role": "employer", "organisation_id": "@ML"}, {"organisation_id"}),
    ({"role": "employer", "organisation_id": 999999}, {"organisation_id"}),
    ({"password": "court"}, {"password"}),
    ({"organisation_id": "12abc", "role": "employer"}, {"organisation_id"}),
    ({"regions": ["84"], "role": "regional"}, {"regions"}),
    ({"name": {"first": "Aline"}}, {"name"}),
    ({"email": None, "name": None, "role": None}, {"email", "name", "role"}),
])
def test_create_person_invalid_is_422_naming_each_field(base, api, over, fields):
    if over.get("organisation_id") == "@ML":
        over = {**over, "organisation_id": org_id(MISSION_LOCALE)}
    count = sql("SELECT COUNT(*) FROM people")
    p = assert_problem(api.post(base + "/api/v1/people", json=person_body(**over)), 422)
    assert error_fields(p) == fields, p["errors"]
    assert sql("SELECT COUNT(*) FROM people") == count


def test_create_person_messages_are_french(base, api):
    p = assert_problem(api.post(base + "/api/v1/people", json=person_body(email="pas-une-adresse", role="regional")), 422)
    msgs = {e["field"]: e["message"] for e in p["errors"]}
    assert "adresse électronique valide" in msgs["email"]
    assert "« Régions » est obligatoire pour ce rôle" in msgs["regions"]


def test_create_person_duplicate_email_is_422_on_email(base, api):
    p = assert_problem(api.post(base + "/api/v1/people", json=person_body(email="Candidat@Demo.Tremplin.fr")), 422)
    assert error_fields(p) == {"email"}
    assert "existe déjà" in p["errors"][0]["message"]


@pytest.mark.parametrize("data,ctype,status", [
    (b'{"email": ', "application/json", 400),
    (b'[1, 2]', "application/json", 400),
    (b'', "application/json", 400),
    (b'"texte"', "application/json", 400),
    (b'{"email": "a@b.fr", "email": "c@d.fr"}', "application/json", 400),
    (b'{"name": "\xff"}', "application/json", 400),
    (b'{"name": "a\\u0000b"}', "application/json", 400),
    (b'email=a%40b.fr', "text/plain", 415),
    (b'<person/>', "application/xml", 415),
])
def test_create_person_bad_body(base, api, data, ctype, status):
    assert_problem(api.post(base + "/api/v1/people", data=data, headers={"Content-Type": ctype}), status)


def test_api_post_of_a_form_is_415(base, api):
    r = api.post(base + "/api/v1/people", data={"email": unique_email("form"), "name": "Formulaire", "role": "viewer"})
    assert_problem(r, 415)


def test_update_person_with_version(base, api):
    created = api.post(base + "/api/v1/people", json=person_body(password="mot de passe a modifier")).json()
    url = f"{base}/api/v1/people/{created['id']}"
    v = created["version"]
    r = api.patch(url, json={"name": "Aline Modifiée", "active": True, "version": v})
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "Aline Modifiée"
    assert r.json()["version"] == v + 1
    p = assert_problem(api.patch(url, json={"name": "Aline Écrasée", "active": True, "version": v}), 409)
    assert p["detail"]
    name = f"SELECT name FROM people WHERE id = {created['id']}"
    assert sql(name) == "Aline Modifiée"
    p = assert_problem(api.patch(url, json={"name": "", "active": True, "version": v + 1}), 422)
    assert error_fields(p) == {"name"}
    r = api.patch(url, json={"name": "Sans version", "active": True})
    assert r.status_code in (409, 422)
    assert sql(name) == "Aline Modifiée"


def test_patch_person_keeps_what_it_does_not_mention(base, api, login):
    pw = "mot de passe garde actif"
    created = api.post(base + "/api/v1/people", json=person_body(password=pw)).json()
    url = f"{base}/api/v1/people/{created['id']}"
    r = api.patch(url, json={"name": "Nom seul", "version": created["version"]})
    assert r.status_code == 200
    assert r.json()["active"] in (1, True)
    login(created["email"], pw)


def test_get_unknown_person_or_organisation_is_404(base, api):
    for path in ("/api/v1/people/999999", "/api/v1/people/abc", "/api/v1/people/-1", "/api/v1/people/0",
                 "/api/v1/people/99999999999999999999999"):
        assert_problem(api.get(base + path), 404)
    assert_problem(api.get(base + "/api/v1/organisations/999999"), 404)
    assert_problem(api.patch(base + "/api/v1/organisations/999999", json={**org_body(), "version": 1}), 404)


def test_update_unknown_person_is_404(base, api):
    assert_problem(api.patch(base + "/api/v1/people/999999", json={"name": "X", "active": True, "version": 1}), 404)


def test_people_can_read_themselves_but_not_others(base, role_api):
    viewer = role_api("viewer")
    assert viewer.get(base + f"/api/v1/people/{person_id('pilotage@demo.tremplin.fr')}").status_code == 200
    assert_problem(viewer.get(base + f"/api/v1/people/{person_id('admin@demo.tremplin.fr')}"), 403)


# ---------------------------------------------------------------------------------------------
# Memberships


def test_add_and_remove_a_membership(base, api):
    created = api.post(base + "/api/v1/people", json=person_body(password="mot de passe des roles")).json()
    r = api.post(base + f"/api/v1/people/{created['id']}/memberships", json={"role": "trainer",
                 "organisation_id": org_id("Médiation Formation Rhône-Alpes")})
    assert r.status_code == 201, r.text
    roles = {m["role"]: m["id"] for m in r.json()["memberships"]}
    assert set(roles) == {"viewer", "trainer"}
    r = api.delete(base + f"/api/v1/memberships/{roles['trainer']}")
    assert r.status_code == 200
    assert sql(f"SELECT role FROM memberships WHERE person_id = {created['id']}") == "viewer"
    assert_problem(api.delete(base + f"/api/v1/memberships/{roles['trainer']}"), 404)


def test_add_membership_invalid(base, api):
    created = api.post(base + "/api/v1/people", json=person_body(password="mot de passe des roles")).json()
    p = assert_problem(api.post(base + f"/api/v1/people/{created['id']}/memberships", json={"role": "regional"}), 422)
    assert error_fields(p) == {"regions"}
    assert_problem(api.post(base + "/api/v1/people/999999/memberships", json={"role": "viewer"}), 404)


def test_removing_ones_own_admin_role_is_409(base, make_account, login):
    pw = "mot de passe autre admin"
    p = make_account("admin", password=pw)
    s = login(p["_email"], pw)
    mid = sql_int(f"SELECT id FROM memberships WHERE person_id = {p['id']}")
    assert_problem(s.delete(base + f"/api/v1/memberships/{mid}", headers={"X-CSRF-Token": page_csrf(s, base)}), 409)


# ---------------------------------------------------------------------------------------------
# Organisations


def org_body(**over):
    body = {"name": unique("Structure API "), "kind": "employer", "siret": luhn_siret(), "address": "2 rue de l'Api",
            "commune_code": "26108"}
    body.update(over)
    return {k: v for k, v in body.items() if v is not None}


def test_organisations_list(base, api):
    data = api.get(base + "/api/v1/organisations").json()
    assert data["total"] >= 7
    assert EPN in {o["name"] for o in data["items"]}
    data = api.get(base + "/api/v1/organisations", params={"kind": "prescriber"}).json()
    assert {o["kind"] for o in data["items"]} == {"prescriber"}


def test_create_read_update_an_organisation(base, api):
    body = org_body(rna="W261234567")
    r = api.post(base + "/api/v1/organisations", json=body)
    assert r.status_code == 201, r.text
    org = r.json()
    assert r.headers["location"] == f"/api/v1/organisations/{org['id']}"
    assert (org["name"], org["siret"], org["rna"], org["commune_code"]) == (body["name"], body["siret"], body["rna"],
                                                                           "26108")
    assert org["commune_name"] == "Crest"
    url = base + r.headers["location"]
    r = api.patch(url, json={**body, "name": "Nouveau nom", "version": org["version"]})
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "Nouveau nom"
    assert r.json()["version"] == org["version"] + 1
    assert_problem(api.patch(url, json={**body, "name": "Écrasé", "version": org["version"]}), 409)
    assert sql(f"SELECT name FROM organisations WHERE id = {org['id']}") == "Nouveau nom"


def test_patch_organisation_keeps_what_it_does_not_mention(base, api):
    body = org_body(rna="W260000001")
    org = api.post(base + "/api/v1/organisations", json=body).json()
    r = api.patch(base + f"/api/v1/organisations/{org['id']}", json={"name": "Seul le nom change",
                                                                       "version": org["version"]})
    assert r.status_code == 200, r.text
    assert sql(f"SELECT name, kind, siret, rna, commune_code FROM organisations WHERE id = {org['id']}") == \
        f"Seul le nom change|employer|{body['siret']}|W260000001|26108"


@pytest.mark.parametrize("over,field", [
    ({"name": None}, "name"),
    ({"kind": "club"}, "kind"),
    ({"siret": "@BAD"}, "siret"),
    ({"siret": "1234567890123A"}, "siret"),
    ({"rna": "W12"}, "rna"),
    ({"commune_code": "99999"}, "commune_code"),
])
def test_create_organisation_invalid(base, api, over, field):
    if over.get("siret") == "@BAD":
        good = luhn_siret()
        over = {"siret": good[:-1] + str((int(good[-1]) + 1) % 10)}
    p = assert_problem(api.post(base + "/api/v1/organisations", json=org_body(**over)), 422)
    assert error_fields(p) == {field}, p["errors"]


def test_duplicate_siret_and_rna_are_422_on_their_field(base, api):
    first = org_body(rna="W269876543")
    assert api.post(base + "/api/v1/organisations", json=first).status_code == 201
    p = assert_problem(api.post(base + "/api/v1/organisations", json=org_body(siret=first["siret"])), 422)
    assert error_fields(p) == {"siret"}
    p = assert_problem(api.post(base + "/api/v1/organisations", json=org_body(rna=first["rna"])), 422)
    assert error_fields(p) == {"rna"}
    other = api.post(base + "/api/v1/organisations", json=org_body()).json()
    p = assert_problem(api.patch(base + f"/api/v1/organisations/{other['id']}",
                                 json={**org_body(siret=first["siret"]), "version": other["version"]}), 422)
    assert error_fields(p) == {"siret"}


def test_an_employer_role_needs_an_employer_organisation(base, api):
    company = api.post(base + "/api/v1/organisations", json=org_body(kind="company", siret=None)).json()
    p = assert_problem(api.post(base + "/api/v1/people", json=person_body(role="employer",
                                                                          organisation_id=company["id"])), 422)
    assert error_fields(p) == {"organisation_id"}
    assert "doit être de type" in p["errors"][0]["message"]
    r = api.post(base + "/api/v1/people", json=person_body(role="sponsor", organisation_id=company["id"]))
    assert r.status_code == 201


# ---------------------------------------------------------------------------------------------
# Who may call the admin API


@pytest.fixture(scope="module")
def targets(base, api):
    victim = api.post(base + "/api/v1/people", json=person_body(password="mot de passe de la cible")).json()
    org = api.post(base + "/api/v1/organisations", json=org_body()).json()
    return {"person": victim["id"], "membership": victim["memberships"][0]["id"], "org": org["id"],
            "org_version": org["version"]}


ADMIN_API = [
    ("GET", "/api/v1/people", None),
    ("POST", "/api/v1/people", {"email": "intrus-api@exemple.fr", "name": "Intrus", "role": "admin",
                                "password": "mot de passe de l'intrus"}),
    ("PATCH", "/api/v1/people/{person}", {"name": "Piraté", "active": True, "version": 1}),
    ("POST", "/api/v1/people/{person}/memberships", {"role": "admin"}),
    ("DELETE", "/api/v1/memberships/{membership}", None),
    ("GET", "/api/v1/organisations", None),
    ("POST", "/api/v1/organisations", {"name": "Intruse", "kind": "employer"}),
    ("PATCH", "/api/v1/organisations/{org}", {"name": "Piratée", "kind": "employer", "version": 1}),
    ("GET", "/api/v1/people/{person}", None),
]


@pytest.mark.parametrize("role", NON_ADMIN_ROLES)
@pytest.mark.parametrize("method,path,body", ADMIN_API, ids=[f"{m} {p}" for m, p, _ in ADMIN_API])
def test_admin_api_refused_to_other_roles(base, role_api, targets, role, method, path, body):
    r = role_api(role).request(method, base + path.format(**targets), json=body)
    assert_problem(r, 403)
    if method != "GET":
        assert sql(f"SELECT name, (SELECT COUNT(*) FROM memberships WHERE person_id = p.id), "
                   "(SELECT COUNT(*) FROM people WHERE email = 'intrus-api@exemple.fr'), "
                   f"(SELECT name FROM organisations WHERE id = {targets['org']}) = 'Piratée' "
                   f"FROM people p WHERE p.id = {targets['person']}") in ("Aline Api|1|0|0", "Aline Api|1|0|f")


@pytest.mark.parametrize("method,path,body", ADMIN_API + [("GET", "/api/v1/organisations/{org}", None),
                                                          ("GET", "/api/v1/tokens", None),
                                                          ("POST", "/api/v1/tokens", {"name": "x"}),
                                                          ("DELETE", "/api/v1/tokens/1", None)],
                         ids=[f"{m} {p}" for m, p, _ in ADMIN_API] + ["GET org", "GET tokens", "POST tokens",
                                                                      "DELETE token"])
def test_api_without_credentials_is_401(base, targets, method, path, body):
    r = requests.request(method, base + path.format(**targets), json=body)
    assert_problem(r, 401)


@pytest.mark.parametrize("role", [r for r in NON_ADMIN_ROLES if r != "national"])
def test_organisation_details_are_for_its_members(base, role_api, targets, role):
    """Only admins, national officers and the organisation's own members read an organisation."""
    assert_problem(role_api(role).get(base + f"/api/v1/organisations/{targets['org']}"), 403)


@pytest.mark.parametrize("role,org", [("employer", EPN), ("prescriber", MISSION_LOCALE), ("national", EPN)])
def test_organisation_details_for_members_and_national(base, role_api, role, org):
    assert role_api(role).get(base + f"/api/v1/organisations/{org_id(org)}").status_code == 200


# ---------------------------------------------------------------------------------------------
# Tokens


def test_tokens_lifecycle(base, role_api):
    me = role_api("candidate")
    r = me.post(base + "/api/v1/tokens", json={"name": "mon script"})
    assert r.status_code == 201
    created = r.json()
    assert set(created) >= {"id", "token"}
    assert created["token"].startswith("trp_")
    mine = requests.Session()
    mine.headers["Authorization"] = "Bearer " + created["token"]
    assert created["id"] in [t["id"] for t in mine.get(base + "/api/v1/tokens").json()["items"]]
    listed = me.get(base + "/api/v1/tokens").json()["items"]
    entry = [t for t in listed if t["id"] == created["id"]]
    assert entry and entry[0]["name"] == "mon script"
    assert entry[0]["prefix"] == created["token"][:10]
    assert all("token" not in t and "token_hash" not in t for t in listed)
    r = me.delete(base + f"/api/v1/tokens/{created['id']}")
    assert r.status_code == 200
    assert_problem(mine.get(base + "/api/v1/tokens"), 401)
    assert_problem(me.delete(base + f"/api/v1/tokens/{created['id']}"), 404)


def test_token_needs_a_name(base, role_api):
    for body in ({}, {"name": ""}, {"name": "x" * 101}, {"name": 12}):
        p = assert_problem(role_api("candidate").post(base + "/api/v1/tokens", json=body), 422)
        assert error_fields(p) == {"name"}


def test_nobody_revokes_the_token_of_someone_else(base, role_api):
    created = role_api("candidate").post(base + "/api/v1/tokens", json={"name": "à moi"}).json()
    assert_problem(role_api("viewer").delete(base + f"/api/v1/tokens/{created['id']}"), 403)
    mine = {"Authorization": "Bearer " + created["token"]}
    assert requests.get(base + "/api/v1/me", headers=mine).status_code == 200


def test_a_deactivated_account_token_stops_working(base, api):
    created = api.post(base + "/api/v1/people", json=person_body(password="mot de passe du jeton")).json()
    s, r = post_login(base, created["email"], "mot de passe du jeton")
    assert r.status_code == 303
    tok = s.post(base + "/api/v1/tokens", json={"name": "t"}, headers={"X-CSRF-Token": page_csrf(s, base)}).json()
    bearer = {"Authorization": "Bearer " + tok["token"]}
    assert requests.get(base + "/api/v1/me", headers=bearer).status_code == 200
    r = api.patch(f"{base}/api/v1/people/{created['id']}", json={"name": created["name"], "active": False,
                                                                  "version": created["version"]})
    assert r.status_code == 200
    assert_problem(requests.get(base + "/api/v1/me", headers=bearer), 401)


# ---------------------------------------------------------------------------------------------
# The journal


def test_api_changes_are_journaled(base, api, admin):
    body = person_body()
    created = api.post(base + "/api/v1/people", json=body).json()
    rows = sql(f"SELECT action, actor_label FROM journal WHERE entity = 'person' AND entity_id = {created['id']} "
               "ORDER BY id")
    assert rows.splitlines()[0].replace("|", " ") == "create admin@demo.tremplin.fr"
    api.patch(f"{base}/api/v1/people/{created['id']}", json={"name": "Journalisée", "active": True,
                                                             "version": created["version"]})
    assert sql(f"SELECT COUNT(*) FROM journal WHERE entity = 'person' AND entity_id = {created['id']} "
               "AND action = 'update'") == "1"
    assert body["email"] in admin.get(base + "/admin/journal").text
    r = journal_verify()
    assert r.returncode == 0, r.stderr
