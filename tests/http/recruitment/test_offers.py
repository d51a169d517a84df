"""Job offers, the job board and matching: publishing on a validated dossier within its posts (the quota with its
counts), the programme's bounds on a CDD, scope (403), stale versions (409), the filled state following the
contracts, closing and reopening; the public search (distance order on a known set, filters, bad parameters as
problems naming them), one offer, the Atom feed (parsed); the ranking of matches both ways on a small known set;
and the pages.

Everything here lives in a programme of its own, created for the run (so that the searches, filtered on it, see
only the offers made here), with job profiles of its own and requires_eligibility set by SQL. Dossiers go through
the dossier API (the demo structure, regional and national accounts). Candidates' profiles, eligibility diagnoses,
followers and contracts are rows inserted with SQL: they are the inputs of the ranking, and the contracts the input
of the quota."""
import math
import xml.etree.ElementTree as ET

import pytest
import requests

from conftest import DEMO_ACCOUNTS, csrf_from, post_login, run_cli, sql, sql_int, text, unique

PLACE = "demo-ateliers-numeriques-crest"
EARTH_KM = 6371.0088
ATOM = "{http://www.w3.org/2005/Atom}"
START = "2030-09-01"
PASSWORD = "mot-de-passe-offres-2026"

# Places of the demo structure at known points (commune, postal code, INSEE code, latitude, longitude).
TOWNS = {
    "rennes": ("Rennes", "35000", "35238", 48.1113, -1.6800),
    "vitre": ("Vitré", "35500", "35360", 48.1236, -1.2086),
    "saint-malo": ("Saint-Malo", "35400", "35288", 48.6493, -2.0257),
    "nantes": ("Nantes", "44000", "44109", 47.2184, -1.5536),
    "brest": ("Brest", "29200", "29019", 48.3903, -4.4863),
}


def haversine(a, b):
    la1, lo1, la2, lo2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * EARTH_KM * math.asin(math.sqrt(h))


def north_of(point, km):
    """A point KM kilometres due north of POINT."""
    return (point[0] + math.degrees(km / EARTH_KM), point[1])


def problem(r, status, field=None):
    assert r.status_code == status, (r.status_code, r.text[:1500])
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers["content-type"]
    p = r.json()
    if field is not None:
        assert field in {e["field"] for e in p.get("errors", [])}, p
    return p


def field_message(p, field):
    return next(e["message"] for e in p["errors"] if e["field"] == field)


# ---------------------------------------------------------------------------------------------
# Who acts, the programme, dossiers, places


def token_session(email):
    r = run_cli("token", "create", email, unique("offers-"))
    assert r.returncode == 0, r.stderr
    s = requests.Session()
    s.headers["Authorization"] = "Bearer " + r.stdout.strip()
    return s


@pytest.fixture(scope="module")
def who(server, api, make_account):
    org = api.post(server.base + "/api/v1/organisations", json={"name": unique("Autre EPN "), "kind": "employer"})
    assert org.status_code == 201, org.text
    other = make_account("employer", organisation_id=org.json()["id"])["_email"]
    people = {"employer": DEMO_ACCOUNTS["employer"], "employer_other": other, "regional": DEMO_ACCOUNTS["regional"],
              "national": DEMO_ACCOUNTS["national"], "admin": DEMO_ACCOUNTS["admin"],
              "candidate": DEMO_ACCOUNTS["candidate"], "prescriber": DEMO_ACCOUNTS["prescriber"]}
    return {actor: token_session(email) for actor, email in people.items()}


@pytest.fixture(scope="module")
def org(who, base):
    return sql_int("SELECT m.organisation_id FROM memberships m JOIN people p ON p.id = m.person_id "
                   f"WHERE p.email = '{DEMO_ACCOUNTS['employer']}' AND m.role = 'employer'")


@pytest.fixture(scope="module")
def prog(base, who):
    """A programme of this run: CDD of 12 to 36 months, 35 h, eligibility required; two job profiles."""
    r = who["national"].post(base + "/api/v1/programmes", json={
        "code": unique("OFFRES-"), "name": "Dispositif " + unique(), "target_posts": 1000,
        "contract_min_months": 12, "contract_max_months": 36, "weekly_hours": 35,
        "employer_categories": "association|collectivite", "requires_tutor": False, "active": True})
    assert r.status_code == 201, r.text
    p = r.json()
    profiles = []
    for code, title in (("mediateur", "Médiateur numérique"), ("fabmanager", "Animateur de fablab")):
        r = who["national"].post(base + f"/api/v1/programmes/{p['id']}/job-profiles",
                                 json={"code": code, "title": title})
        assert r.status_code == 201, r.text
        profiles.append(r.json()["id"])
    sql(f"UPDATE programmes SET requires_eligibility = 1 WHERE id = {p['id']}")
    other = requests.get(base + "/api/v1/programmes").json()["items"]
    eav = next(x["id"] for x in other if x["code"] == "EAV-EPN-2013")
    eav_profile = requests.get(base + f"/api/v1/programmes/{eav}").json()["job_profiles"][0]["id"]
    return {"id": p["id"], "jp1": profiles[0], "jp2": profiles[1], "eav_profile": eav_profile}


@pytest.fixture(scope="module")
def dossier(base, who, prog):
    """dossier(posts) -> the id of a new dossier of the demo structure, validated with POSTS posts."""

    def act(actor, d, action, **payload):
        version = who["admin"].get(base + f"/api/v1/dossiers/{d}").json()["version"]
        r = who[actor].post(base + f"/api/v1/dossiers/{d}/actions/{action}", json={"version": version, **payload})
        assert r.status_code == 200, (action, r.text[:1500])

    def make(posts=3, validate=True):
        r = who["employer"].post(base + "/api/v1/dossiers", json={
            "programme_id": prog["id"], "place_id": PLACE, "employer_category": "association",
            "contact_name": "Sébastien Structure", "contact_email": "structure@demo.tremplin.fr",
            "project": "Recruter des médiateurs numériques.", "job_profile_id": prog["jp1"],
            "training_path": "Prise de poste puis médiation.", "development_project": "Ouvrir le samedi.",
            "posts_requested": posts, "signed_on": "2025-09-01", "signatory": "La présidente"})
        assert r.status_code == 201, r.text
        d = r.json()["id"]
        if validate:
            act("employer", d, "submit")
            act("regional", d, "give_opinion", opinion="favourable")
            act("national", d, "validate", posts_granted=posts)
        return d

    return make


@pytest.fixture(scope="module")
def places(api, base, org):
    """town -> the id of a place of the demo structure there."""
    out = {}
    for key, (commune, postal, insee, lat, lon) in TOWNS.items():
        r = api.post(base + "/api/v1/places", json={
            "pivot": "43493312300029", "nom": f"EPN de {commune} {unique('')}", "commune": commune,
            "code_postal": postal, "code_insee": insee, "adresse": "1 place de la Mairie", "latitude": lat,
            "longitude": lon, "services": "Aide aux démarches administratives", "organisation_id": org})
        assert r.status_code == 201, r.text
        out[key] = r.json()["id"]
    return out


def offer_body(**over):
    body = {"title": "Médiateur numérique " + unique(""), "start_on": START, "contract_type": "CDD",
            "duration_months": 24, "description": "Accompagner les habitants.\nAnimer des ateliers.",
            "how_to_apply": "CV et lettre à recrutement@exemple.fr"}
    body.update(over)
    return body


@pytest.fixture(scope="module")
def publish(base, who):
    """publish(dossier_id, **fields) -> the created offer (JSON); asserts 201."""

    def do(d, actor="employer", **over):
        r = who[actor].post(base + f"/api/v1/dossiers/{d}/offers", json=offer_body(**over))
        assert r.status_code == 201, r.text
        assert r.headers["location"] == f"/api/v1/offers/{r.json()['id']}"
        return r.json()

    return do


def get_offer(base, who, oid, actor="employer"):
    r = who[actor].get(base + f"/api/v1/offers/{oid}")
    assert r.status_code == 200, r.text
    return r.json()


def act(base, who, oid, action, actor="employer", version=None, **payload):
    if version is None:
        version = get_offer(base, who, oid)["version"]
    return who[actor].post(base + f"/api/v1/offers/{oid}/actions/{action}", json={"version": version, **payload})


_made = []


def new_candidate(make_account, point=None, max_km=30, available_from=None, wished=(), hidden=False):
    """A candidate account (admin API) with a profile row; returns its person id."""
    person = make_account("candidate", password=PASSWORD)
    pid = person["id"]
    lat, lon = point if point else ("NULL", "NULL")
    avail = f"'{available_from}'" if available_from else "NULL"
    sql("INSERT INTO candidates (person_id, latitude, longitude, max_distance_km, available_from, "
        f"hidden, created_at, updated_at) VALUES ({pid}, {lat}, {lon}, {max_km}, {avail}, "
        f"{1 if hidden else 0}, 0, 0)")
    for w in wished:
        sql(f"INSERT INTO candidate_wished_profiles (candidate_id, job_profile_id) VALUES ({pid}, {w})")
    _made.append((pid, person["_email"]))
    return pid


def diagnose(candidate, programme, eligible, decided_on, valid_until):
    sql("INSERT INTO eligibility_diagnoses (candidate_id, programme_id, criteria, computed_eligible, eligible, "
        f"decided_on, valid_until, created_at) VALUES ({candidate}, {programme}, '{{}}', {int(eligible)}, "
        f"{int(eligible)}, '{decided_on}', '{valid_until}', 0)")


def contract(offer, candidate, state="active"):
    """A contract row on OFFER for CANDIDATE (the tutor: the demo structure's account)."""
    tutor = sql_int(f"SELECT id FROM people WHERE email = '{DEMO_ACCOUNTS['employer']}'")
    sql("INSERT INTO contracts (offer_id, dossier_id, organisation_id, programme_id, candidate_id, contract_type, "
        "start_on, weekly_hours, tutor_id, state, state_since, created_at, updated_at) SELECT o.id, o.dossier_id, "
        f"o.organisation_id, o.programme_id, {candidate}, o.contract_type, o.start_on, o.weekly_hours, {tutor}, "
        f"'{state}', 0, 0, 0 FROM offers o WHERE o.id = {offer}")


# ---------------------------------------------------------------------------------------------
# Publishing


def test_publish_takes_the_defaults_and_copies_the_place(base, who, prog, dossier, publish):
    d = dossier(3)
    o = publish(d, contract_type="CDI", duration_months=None, weekly_hours=None)
    assert o["state"] == "open" and o["version"] == 1 and o["posts"] == 1 and o["posts_filled"] == 0
    assert o["job_profile_id"] == prog["jp1"] and o["place_id"] == PLACE and o["weekly_hours"] == 35
    assert o["duration_months"] is None and o["contract_type_label"].startswith("Contrat à durée indéterminée")
    assert o["commune_code"] == "26108" and o["departement_code"] == "26" and o["region_code"] == "84"
    assert o["latitude"] is not None and o["longitude"] is not None
    assert o["dossier_id"] == d and o["can_edit"] is True
    assert [a["action"] for a in o["actions"]] == ["close"]
    # The public sees it, without the staff's actions.
    pub = requests.get(base + f"/api/v1/offers/{o['id']}")
    assert pub.status_code == 200 and pub.json()["title"] == o["title"]
    assert pub.json()["actions"] == [] and pub.json()["can_edit"] is False and "created_by" not in pub.json()
    assert sql(f"SELECT action FROM journal WHERE entity = 'offer' AND entity_id = {o['id']}") == "create"


def test_a_cdi_sent_with_a_duration_keeps_none(base, who, dossier, publish):
    o = publish(dossier(1), contract_type="CDI", duration_months=18)
    assert o["duration_months"] is None


@pytest.mark.parametrize("duration, status", [(None, 422), (11, 422), (37, 422), (12, 201), (36, 201), (0, 422)])
def test_cdd_duration_within_the_programme_bounds(base, who, dossier, duration, status):
    d = dossier(1)
    r = who["employer"].post(base + f"/api/v1/dossiers/{d}/offers", json=offer_body(duration_months=duration))
    if status == 201:
        assert r.status_code == 201, r.text
        assert r.json()["duration_months"] == duration
    else:
        p = problem(r, 422, "duration_months")
        if duration is not None and duration > 0:
            assert "entre 12 et 36 mois" in field_message(p, "duration_months")


@pytest.mark.parametrize("over, field", [
    ({"title": ""}, "title"),
    ({"contract_type": "CDX"}, "contract_type"),
    ({"start_on": "2030-02-30"}, "start_on"),
    ({"start_on": "2001-01-01"}, "start_on"),
    ({"posts": 0}, "posts"),
    ({"weekly_hours": 60}, "weekly_hours"),
    ({"description": ""}, "description"),
    ({"place_id": "nulle-part"}, "place_id"),
])
def test_invalid_fields_are_422_naming_them(base, who, dossier, over, field):
    d = dossier(1)
    problem(who["employer"].post(base + f"/api/v1/dossiers/{d}/offers", json=offer_body(**over)), 422, field)


def test_references_must_belong_to_the_dossier(base, who, api, prog, dossier):
    d = dossier(1)
    p = problem(who["employer"].post(base + f"/api/v1/dossiers/{d}/offers",
                                     json=offer_body(job_profile_id=prog["eav_profile"])), 422, "job_profile_id")
    assert "fiche métier du dispositif" in field_message(p, "job_profile_id")
    # A place of another structure.
    r = api.post(base + "/api/v1/places", json={
        "pivot": "43493312300029", "nom": "Ailleurs " + unique(""), "commune": "Reims", "code_postal": "51100",
        "code_insee": "51454", "adresse": "2 rue de Vesle", "services": "Aide aux démarches administratives"})
    assert r.status_code == 201, r.text
    problem(who["employer"].post(base + f"/api/v1/dossiers/{d}/offers", json=offer_body(place_id=r.json()["id"])),
            422, "place_id")


def test_only_the_dossier_structure_publishes(base, who, dossier):
    d = dossier(2)
    # Those who see the dossier are refused (403); for the others it does not exist (404).
    for actor in ("regional", "national", "admin"):
        problem(who[actor].post(base + f"/api/v1/dossiers/{d}/offers", json=offer_body()), 403)
    for actor in ("employer_other", "candidate"):
        problem(who[actor].post(base + f"/api/v1/dossiers/{d}/offers", json=offer_body()), 404)
    problem(requests.post(base + f"/api/v1/dossiers/{d}/offers", json=offer_body()), 401)
    problem(who["employer"].post(base + "/api/v1/dossiers/99999999/offers", json=offer_body()), 404)
    assert sql_int(f"SELECT COUNT(*) FROM offers WHERE dossier_id = {d}") == 0


def test_a_dossier_not_validated_opens_no_post(base, who, dossier):
    d = dossier(2, validate=False)
    p = problem(who["employer"].post(base + f"/api/v1/dossiers/{d}/offers", json=offer_body()), 409)
    assert "validé" in p["detail"]


# ---------------------------------------------------------------------------------------------
# The posts quota


def test_posts_quota_with_the_counts(base, who, dossier, publish):
    d = dossier(3)
    a = publish(d, posts=2)
    p = problem(who["employer"].post(base + f"/api/v1/dossiers/{d}/offers", json=offer_body(posts=2)), 422, "posts")
    msg = field_message(p, "posts")
    assert "3 postes accordés" in msg and "2 déjà proposés" in msg and "Il en reste 1" in msg, msg
    assert "en demande 2" in msg
    b = publish(d, posts=1)
    problem(who["employer"].post(base + f"/api/v1/dossiers/{d}/offers", json=offer_body(posts=1)), 422, "posts")
    # Raising the posts of an offer past the grant is refused the same way.
    p = problem(who["employer"].patch(base + f"/api/v1/offers/{b['id']}", json={"version": b["version"], "posts": 2}),
                422, "posts")
    # (the offer's own post is not counted against itself: one left, two asked)
    assert "Il en reste 1 ; cette offre en demande 2" in field_message(p, "posts")
    # Closing an offer gives its posts back; reopening it past the grant is refused with the counts.
    assert act(base, who, a["id"], "close", reason="Projet reporté").status_code == 200
    c = publish(d, posts=2)
    p = problem(act(base, who, a["id"], "reopen"), 409)
    assert "3 postes accordés" in p["detail"] and "en demande 2" in p["detail"], p
    assert get_offer(base, who, a["id"])["state"] == "closed"
    assert act(base, who, c["id"], "close", reason="Doublon").status_code == 200
    r = act(base, who, a["id"], "reopen")
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "open" and r.json()["closed_reason"] is None


def test_contracts_of_closed_offers_keep_their_posts(base, who, dossier, publish, make_account):
    d = dossier(2)
    x = publish(d, posts=2)
    contract(x["id"], new_candidate(make_account))
    assert act(base, who, x["id"], "close", reason="Un seul recrutement finalement").status_code == 200
    p = problem(who["employer"].post(base + f"/api/v1/dossiers/{d}/offers", json=offer_body(posts=2)), 422, "posts")
    msg = field_message(p, "posts")
    assert "1 pourvu par les contrats de ses offres fermées" in msg and "Il en reste 1" in msg, msg
    publish(d, posts=1)


def test_filled_follows_the_contracts(base, who, dossier, publish, make_account):
    d = dossier(3)
    o = publish(d, posts=2)
    contract(o["id"], new_candidate(make_account))
    # Fewer posts than contracts is refused.
    contract(o["id"], new_candidate(make_account))
    p = problem(who["employer"].patch(base + f"/api/v1/offers/{o['id']}", json={"version": 1, "posts": 1}), 422,
                "posts")
    assert "2 contrats" in field_message(p, "posts")
    # With one contract ended early (its post freed), an edit moves it.
    sql(f"UPDATE contracts SET state = 'ended_early' WHERE offer_id = {o['id']} AND id = (SELECT MAX(id) FROM "
        f"contracts WHERE offer_id = {o['id']})")
    r = who["employer"].patch(base + f"/api/v1/offers/{o['id']}", json={"version": 1, "posts": 1})
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["state"] == "filled" and got["posts_filled"] == 1 and got["version"] == 3, got
    assert [a["action"] for a in got["actions"]] == ["close"]
    r = who["employer"].patch(base + f"/api/v1/offers/{o['id']}", json={"version": 3, "posts": 2})
    assert r.status_code == 200 and r.json()["state"] == "open", r.text
    actions = sql(f"SELECT action FROM journal WHERE entity = 'offer' AND entity_id = {o['id']} ORDER BY id")
    assert actions.split() == ["create", "update", "fill", "update", "unfill"], actions
    # A filled offer leaves the public board but stays readable.
    assert requests.get(base + f"/api/v1/offers/{o['id']}").status_code == 200


# ---------------------------------------------------------------------------------------------
# Editing, closing, reopening: scope and versions


def test_edit_is_journaled_with_before_and_after(base, who, dossier, publish):
    o = publish(dossier(1))
    r = who["employer"].patch(base + f"/api/v1/offers/{o['id']}",
                              json={"version": o["version"], "title": "Nouveau titre", "weekly_hours": 28})
    assert r.status_code == 200, r.text
    assert r.json()["title"] == "Nouveau titre" and r.json()["weekly_hours"] == 28 and r.json()["version"] == 2
    assert r.json()["description"] == o["description"]
    j = who["employer"].get(base + f"/api/v1/offers/{o['id']}/journal")
    assert j.status_code == 200
    entry = j.json()["items"][0]
    assert entry["action"] == "update"
    assert "Nouveau titre" in str(entry["detail"]) and o["title"] in str(entry["detail"])
    problem(who["employer_other"].get(base + f"/api/v1/offers/{o['id']}/journal"), 403)


def test_stale_versions_are_409_and_change_nothing(base, who, dossier, publish):
    o = publish(dossier(1))
    assert who["employer"].patch(base + f"/api/v1/offers/{o['id']}",
                                 json={"version": 1, "title": "Premier"}).status_code == 200
    p = problem(who["employer"].patch(base + f"/api/v1/offers/{o['id']}", json={"version": 1, "title": "Second"}), 409)
    assert "changé depuis votre lecture" in p["detail"]
    problem(act(base, who, o["id"], "close", version=1, reason="Trop tard"), 409)
    got = get_offer(base, who, o["id"])
    assert got["title"] == "Premier" and got["state"] == "open" and got["version"] == 2
    problem(who["employer"].patch(base + f"/api/v1/offers/{o['id']}", json={"title": "Sans version"}), 422, "version")


def test_out_of_scope_is_403(base, who, dossier, publish):
    o = publish(dossier(1))
    for actor in ("employer_other", "national", "regional", "candidate", "admin"):
        problem(who[actor].patch(base + f"/api/v1/offers/{o['id']}", json={"version": 1, "title": "Pirate"}), 403)
        problem(act(base, who, o["id"], "close", actor=actor, version=1, reason="Pirate"), 403)
    assert get_offer(base, who, o["id"])["version"] == 1


def test_close_needs_a_reason_and_hides_the_offer(base, who, dossier, publish):
    o = publish(dossier(1))
    problem(act(base, who, o["id"], "close"), 422, "reason")
    problem(act(base, who, o["id"], "reopen"), 409)
    problem(act(base, who, o["id"], "archive"), 404)
    r = act(base, who, o["id"], "close", reason="Poste pourvu hors plateforme")
    assert r.status_code == 200 and r.json()["state"] == "closed"
    assert r.json()["closed_reason"] == "Poste pourvu hors plateforme"
    assert [a["action"] for a in r.json()["actions"]] == ["reopen"]
    problem(who["employer"].patch(base + f"/api/v1/offers/{o['id']}",
                                  json={"version": r.json()["version"], "title": "x"}), 409)
    # A closed offer is out of the public's sight, not of its structure's and reviewers'.
    problem(requests.get(base + f"/api/v1/offers/{o['id']}"), 404)
    problem(who["employer_other"].get(base + f"/api/v1/offers/{o['id']}"), 404)
    for actor in ("employer", "national", "admin"):
        assert who[actor].get(base + f"/api/v1/offers/{o['id']}").status_code == 200


# ---------------------------------------------------------------------------------------------
# The job board


@pytest.fixture(scope="module")
def board(base, who, prog, dossier, publish, places):
    """Open offers of this run's programme at the known places; plus a closed one at Rennes."""
    d = dossier(10)
    offers = {}
    for town in TOWNS:
        offers[town] = publish(d, place_id=places[town], title=f"Offre {town} {unique('')}")["id"]
    offers["fablab"] = publish(d, place_id=places["vitre"], job_profile_id=prog["jp2"],
                               title="Animateur & <fablab> \"l'atelier\"")["id"]
    closed = publish(d, place_id=places["rennes"])["id"]
    assert act(base, who, closed, "close", reason="Fermée").status_code == 200
    offers["closed"] = closed
    return offers


def search(base, **params):
    r = requests.get(base + "/api/v1/offers", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_search_by_distance_from_a_point(base, prog, board):
    here = (48.1147, -1.6794)
    got = search(base, programme_id=prog["id"], lat=here[0], lon=here[1], radius_km=80)
    ids = [it["id"] for it in got["items"]]
    expected = sorted(((haversine(here, TOWNS[t][3:5]), board[t]) for t in ("rennes", "vitre", "saint-malo")),
                      key=lambda x: x[0])
    # The fablab offer is at Vitré too: same distance, then by id.
    want = []
    for km, oid in expected:
        want.append(oid)
        if oid == board["vitre"]:
            want.append(board["fablab"])
    assert ids == want, got
    assert got["total"] == 4
    for it in got["items"]:
        town = next(t for t in TOWNS if board.get(t) == it["id"]) if it["id"] != board["fablab"] else "vitre"
        assert abs(it["distance_km"] - haversine(here, TOWNS[town][3:5])) < 0.02, it
    assert board["closed"] not in ids and board["brest"] not in ids and board["nantes"] not in ids
    # Without a radius every offer comes, nearest first.
    got = search(base, programme_id=prog["id"], lat=here[0], lon=here[1])
    dist = [it["distance_km"] for it in got["items"]]
    assert dist == sorted(dist) and None not in dist
    assert got["total"] == search(base, programme_id=prog["id"])["total"]
    ids = [it["id"] for it in got["items"]]
    assert ids.index(board["saint-malo"]) < ids.index(board["nantes"]) < ids.index(board["brest"])


def test_search_near_a_commune_by_name_or_code(base, prog, board):
    for commune in ("Rennes", "35238"):
        got = search(base, programme_id=prog["id"], commune=commune, radius_km=50)
        ids = [it["id"] for it in got["items"]]
        assert ids[0] == board["rennes"], got
        assert set(ids) == {board["rennes"], board["vitre"], board["fablab"]}, got
        assert got["items"][0]["distance_km"] < 5


def test_search_filters(base, prog, board):
    def ids(**params):
        return {it["id"] for it in search(base, programme_id=prog["id"], per_page=200, **params)["items"]}

    assert ids(departement="35") == {board[t] for t in ("rennes", "vitre", "saint-malo", "fablab")}
    assert ids(departement="29") == {board["brest"]}
    assert ids(region="52") == {board["nantes"]}
    assert ids(job_profile_id=prog["jp2"]) == {board["fablab"]}
    assert board["rennes"] not in {it["id"] for it in search(base, programme_id=prog["eav_profile"] + 100000)["items"]}
    got = search(base, programme_id=prog["id"], departement="35", per_page=2, page=2)
    assert got["total"] == 4 and len(got["items"]) == 2 and got["page"] == 2 and got["per_page"] == 2
    first = search(base, programme_id=prog["id"], departement="35", per_page=2, page=1)
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in got["items"]}
    item = search(base, programme_id=prog["id"], job_profile_id=prog["jp2"])["items"][0]
    assert item["title"] == "Animateur & <fablab> \"l'atelier\"" and item["organisation_name"]
    assert item["job_profile_title"] == "Animateur de fablab" and item["commune_name"] == "Vitré"
    assert "distance_km" not in item and "state" not in item


@pytest.mark.parametrize("params, field", [
    ({"lat": "abc", "lon": "2"}, "lat"),
    ({"lat": "91", "lon": "2"}, "lat"),
    ({"lat": "48"}, "lon"),
    ({"radius_km": "10"}, "radius_km"),
    ({"commune": "Rennes", "radius_km": "0"}, "radius_km"),
    ({"commune": "Rennes", "radius_km": "501"}, "radius_km"),
    ({"commune": "Xyzzyville"}, "commune"),
    ({"commune": "Rennes", "lat": "48", "lon": "-1"}, "commune"),
    ({"departement": "999"}, "departement"),
    ({"region": "8"}, "region"),
    ({"job_profile_id": "abc"}, "job_profile_id"),
    ({"programme_id": "-1"}, "programme_id"),
    ({"page": "0"}, "page"),
    ({"per_page": "1000"}, "per_page"),
])
def test_bad_parameters_are_problems_naming_them(base, params, field):
    p = problem(requests.get(base + "/api/v1/offers", params=params), 422, field)
    assert p["status"] == 422


def test_the_atom_feed(base, prog, board):
    r = requests.get(base + "/offres.atom", params={"programme_id": prog["id"], "departement": "35"})
    assert r.status_code == 200, r.text[:500]
    assert r.headers["content-type"] == "application/atom+xml; charset=utf-8"
    assert r.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    feed = ET.fromstring(r.content)
    assert feed.tag == ATOM + "feed"
    for name in ("id", "title", "updated"):
        assert (feed.findtext(ATOM + name) or "").strip(), name
    links = {l.get("rel"): l for l in feed.findall(ATOM + "link")}
    assert links["self"].get("href").startswith(base + "/offres.atom?")
    assert links["self"].get("type") == "application/atom+xml"
    assert links["alternate"].get("href").startswith(base + "/offres?") and "departement=35" in links["alternate"].get("href")
    entries = feed.findall(ATOM + "entry")
    want = {board[t] for t in ("rennes", "vitre", "saint-malo", "fablab")}
    assert len(entries) == len(want)
    ids = set()
    for e in entries:
        eid = e.findtext(ATOM + "id")
        assert eid.startswith("tag:") and eid not in ids
        ids.add(eid)
        href = e.find(ATOM + "link").get("href")
        oid = int(href.rsplit("/", 1)[1])
        assert href == f"{base}/offres/{oid}" and oid in want
        assert e.findtext(ATOM + "title") and e.findtext(ATOM + "updated") and e.findtext(ATOM + "summary")
        assert e.find(ATOM + "author").findtext(ATOM + "name") == "Les Ateliers numériques de la vallée de la Drôme"
        if oid == board["fablab"]:
            assert e.findtext(ATOM + "title") == "Animateur & <fablab> \"l'atelier\""
    # The same feed near a commune, and a bad parameter.
    r = requests.get(base + "/offres.atom", params={"programme_id": prog["id"], "commune": "Rennes", "radius_km": 20})
    assert r.status_code == 200
    assert ET.fromstring(r.content).findall(ATOM + "entry")
    assert requests.get(base + "/offres.atom", params={"lat": "x", "lon": "1"}).status_code == 422


# ---------------------------------------------------------------------------------------------
# Matching


@pytest.fixture(scope="module")
def ranked(base, who, prog, dossier, publish, places, make_account):
    """The offer at Rennes and candidates around it, in the order the ranking must give."""
    d = dossier(2)
    offer = publish(d, place_id=places["rennes"], job_profile_id=prog["jp1"], start_on=START)["id"]
    rennes = TOWNS["rennes"][3:5]
    jp1, jp2, pr = prog["jp1"], prog["jp2"], prog["id"]
    c = {}
    c["best"] = new_candidate(make_account, north_of(rennes, 10), 30, "2030-01-01", [jp2, jp1])
    c["far_ok"] = new_candidate(make_account, north_of(rennes, 20), 25, None, [jp1])
    c["late"] = new_candidate(make_account, north_of(rennes, 5), 30, "2030-10-01", [jp1])
    c["other_job"] = new_candidate(make_account, north_of(rennes, 2), 30, "2030-01-01", [jp2])
    c["no_diag"] = new_candidate(make_account, north_of(rennes, 1), 30, "2030-01-01", [jp1])
    c["overruled"] = new_candidate(make_account, north_of(rennes, 0.5), 30, "2030-01-01", [jp1])
    c["expired"] = new_candidate(make_account, north_of(rennes, 0.8), 30, "2030-01-01", [jp1])
    out = {"too_far": new_candidate(make_account, north_of(rennes, 40), 30, None, [jp1]),
           "hidden": new_candidate(make_account, north_of(rennes, 3), 50, None, [jp1], hidden=True),
           "nowhere": new_candidate(make_account, None, 500, None, [jp1])}
    for k in ("best", "far_ok", "late", "other_job", "too_far", "hidden", "nowhere"):
        diagnose(c.get(k) or out[k], pr, True, "2026-01-01", "2031-01-01")
    diagnose(c["overruled"], pr, True, "2026-01-01", "2031-01-01")
    diagnose(c["overruled"], pr, False, "2026-02-01", "2031-01-01")
    diagnose(c["expired"], pr, True, "2026-01-01", "2030-06-01")
    order = ["best", "far_ok", "late", "other_job", "overruled", "expired", "no_diag"]
    return {"offer": offer, "ids": c, "order": [c[k] for k in order], "excluded": set(out.values()),
            "names": {v: k for k, v in c.items()}}


def test_matches_of_an_offer_in_the_documented_order(base, who, ranked):
    r = who["employer"].get(base + f"/api/v1/offers/{ranked['offer']}/matches")
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["eligibility_required"] is True and got["reference_date"] == START
    mine = [it for it in got["items"] if it["candidate_id"] in set(ranked["order"]) | ranked["excluded"]]
    assert [ranked["names"].get(it["candidate_id"], it["candidate_id"]) for it in mine] == \
        [ranked["names"][c] for c in ranked["order"]]
    assert [it["rank"] for it in got["items"]] == list(range(1, len(got["items"]) + 1))
    by = {ranked["names"][it["candidate_id"]]: it for it in mine}
    assert by["best"]["wished"] and by["best"]["available"] and by["best"]["eligible"] is True
    assert abs(by["best"]["distance_km"] - 10) < 0.05 and by["best"]["max_distance_km"] == 30
    assert by["late"]["available"] is False and by["late"]["available_from"] == "2030-10-01"
    assert by["other_job"]["wished"] is False
    assert by["no_diag"]["eligible"] is False and by["overruled"]["eligible"] is False
    assert by["expired"]["eligible"] is False and by["far_ok"]["available"] is True
    # Without the programme's requirement, eligibility no longer ranks (eligible is null).
    sql(f"UPDATE programmes SET requires_eligibility = 0 WHERE id = (SELECT programme_id FROM offers WHERE id = "
        f"{ranked['offer']})")
    try:
        got = who["employer"].get(base + f"/api/v1/offers/{ranked['offer']}/matches").json()
    finally:
        sql(f"UPDATE programmes SET requires_eligibility = 1 WHERE id = (SELECT programme_id FROM offers WHERE id = "
            f"{ranked['offer']})")
    names = [ranked["names"][it["candidate_id"]] for it in got["items"] if it["candidate_id"] in ranked["names"]]
    assert names == ["overruled", "expired", "no_diag", "best", "far_ok", "late", "other_job"], names
    assert all(it["eligible"] is None for it in got["items"])


def test_who_sees_the_matches_of_an_offer(base, who, ranked):
    url = base + f"/api/v1/offers/{ranked['offer']}/matches"
    for actor in ("employer", "national", "admin"):
        assert who[actor].get(url).status_code == 200, actor
    for actor in ("employer_other", "regional", "candidate", "prescriber"):
        problem(who[actor].get(url), 403)
    problem(requests.get(url), 401)
    problem(who["admin"].get(base + "/api/v1/offers/99999999/matches"), 404)


def test_matches_of_a_candidate_ranked_the_same_way(base, who, prog, dossier, publish, places, make_account):
    brest = TOWNS["brest"][3:5]
    d = dossier(4)
    b1 = publish(d, place_id=places["brest"], job_profile_id=prog["jp1"], start_on="2030-09-01")["id"]
    b2 = publish(d, place_id=places["brest"], job_profile_id=prog["jp2"], start_on="2030-09-01")["id"]
    b3 = publish(d, place_id=places["brest"], job_profile_id=prog["jp2"], start_on="2030-03-01")["id"]
    b4 = publish(d, place_id=places["brest"], job_profile_id=prog["jp2"], start_on="2030-09-01")["id"]
    assert act(base, who, b4, "close", reason="Fermée").status_code == 200
    me = new_candidate(make_account, north_of(brest, 3), 40, "2030-06-01", [prog["jp2"]])
    diagnose(me, prog["id"], True, "2026-01-01", "2031-01-01")
    email = next(e for p, e in _made if p == me)
    mine = token_session(email)
    r = mine.get(base + f"/api/v1/candidates/{me}/matches")
    assert r.status_code == 200, r.text
    got = r.json()
    ids = [it["offer_id"] for it in got["items"] if it["offer_id"] in (b1, b2, b3, b4)]
    assert ids == [b2, b3, b1], got
    it = next(x for x in got["items"] if x["offer_id"] == b3)
    assert it["wished"] is True and it["available"] is False and it["eligible"] is True
    assert it["eligibility_required"] is True and abs(it["distance_km"] - 3) < 0.05
    assert it["organisation_name"] and it["title"] and it["contract_type_label"]
    # Offers beyond the candidate's own limit are left out (Rennes is 200 km away).
    assert all(x["distance_km"] <= 40 for x in got["items"])
    # Who may see them: themself, admins, a prescriber they accepted; nobody else (404, as for no one).
    problem(who["prescriber"].get(base + f"/api/v1/candidates/{me}/matches"), 404)
    ml = sql_int("SELECT m.organisation_id FROM memberships m JOIN people p ON p.id = m.person_id "
                 f"WHERE p.email = '{DEMO_ACCOUNTS['prescriber']}' AND m.role = 'prescriber'")
    sql(f"INSERT INTO candidate_followers (candidate_id, organisation_id, since) VALUES ({me}, {ml}, 0)")
    problem(who["prescriber"].get(base + f"/api/v1/candidates/{me}/matches"), 404)
    sql(f"UPDATE candidate_followers SET state = 'accepted' WHERE candidate_id = {me}")
    assert who["prescriber"].get(base + f"/api/v1/candidates/{me}/matches").status_code == 200
    assert who["admin"].get(base + f"/api/v1/candidates/{me}/matches").status_code == 200
    for actor in ("candidate", "employer", "national", "regional"):
        problem(who[actor].get(base + f"/api/v1/candidates/{me}/matches"), 404)
    # Someone with no profile: 404 for an admin.
    problem(who["admin"].get(base + "/api/v1/candidates/99999999/matches"), 404)
    # The page of suggestions, as the candidate.
    s, r = sign_in(base, email)
    page = s.get(base + "/candidat/offres-suggerees")
    assert page.status_code == 200
    body = text(page)
    assert body.index(f'href="/offres/{b2}"') < body.index(f'href="/offres/{b3}"') < body.index(f'href="/offres/{b1}"')


# ---------------------------------------------------------------------------------------------
# Pages


def sign_in(base, email):
    s, r = post_login(base, email, PASSWORD)
    assert r.status_code == 303, r.status_code
    return s, r


def test_the_board_page_works_without_javascript(base, prog, board):
    r = requests.get(base + "/offres", params={"programme_id": prog["id"], "commune": "Rennes", "radius_km": "50"})
    assert r.status_code == 200
    body = text(r)
    assert '<form method="get" action="/offres"' in body, body[:3000]
    assert "offres trouvées près de Rennes" in body, body[body.find("<h2"):][:500]
    assert body.index(f'href="/offres/{board["rennes"]}"') < body.index(f'href="/offres/{board["vitre"]}"')
    assert " km</p>" in body and 'href="/offres.atom?' in body
    assert "Animateur &amp; &lt;fablab&gt;" in r.text
    r = requests.get(base + "/offres", params={"lat": "abc", "lon": "1"})
    assert r.status_code == 422 and "La recherche contient des erreurs" in text(r)
    r = requests.get(base + "/offres", params={"programme_id": prog["id"], "per_page": "2"})
    assert r.status_code == 200 and "Page suivante" in text(r)


def test_the_offer_page(base, who, sessions, board):
    oid = board["rennes"]
    r = requests.get(base + f"/offres/{oid}")
    assert r.status_code == 200
    body = text(r)
    assert f'href="/offres/{oid}/candidater"' in body and "Candidater à cette offre" in body
    assert "Les Ateliers numériques de la vallée de la Drôme" in body and "CDD de 24 mois, 35 h par semaine" in body
    assert "1er septembre 2030" in body and "Gérer l'offre" not in body
    body = text(sessions["employer"].get(base + f"/offres/{oid}"))
    assert "Gérer l'offre" in body and f'action="/offres/{oid}/fermer"' in body
    assert f'href="/offres/{oid}/candidats"' in body and f'href="/offres/{oid}/modifier"' in body
    assert requests.get(base + f"/offres/{board['closed']}").status_code == 404
    assert requests.get(base + "/offres/99999999").status_code == 404


def test_structure_pages_publish_edit_close_reopen(base, who, sessions, prog, dossier, places):
    s = sessions["employer"]
    d = dossier(2)
    r = s.get(base + "/structure/offres")
    assert r.status_code == 200
    assert f'href="/dossiers/{d}/offres/nouvelle"' in r.text
    r = s.get(base + f"/dossiers/{d}/offres/nouvelle")
    assert r.status_code == 200
    body = text(r)
    assert 'name="job_profile_id"' in body and "Médiateur numérique" in body and 'name="place_id"' in body
    assert "de 12 à 36 mois dans ce dispositif" in body
    token = csrf_from(r.text)
    form = {"csrf": token, "title": "Offre par le formulaire " + unique(""), "job_profile_id": str(prog["jp2"]),
            "place_id": places["saint-malo"], "start_on": START, "contract_type": "CDD", "duration_months": "40",
            "weekly_hours": "", "posts": "", "description": "Décrite au formulaire.", "how_to_apply": ""}
    r = s.post(base + f"/dossiers/{d}/offres/nouvelle", data=form, allow_redirects=False)
    assert r.status_code == 422 and "entre 12 et 36 mois" in text(r) and "Erreur : " in text(r)
    form["duration_months"] = "18"
    r = s.post(base + f"/dossiers/{d}/offres/nouvelle", data=form, allow_redirects=False)
    assert r.status_code == 303, text(r)[:2000]
    oid = int(r.headers["location"].rsplit("/", 1)[1])
    o = get_offer(base, who, oid)
    assert o["job_profile_id"] == prog["jp2"] and o["place_id"] == places["saint-malo"] and o["posts"] == 1
    assert o["departement_code"] == "35" and o["weekly_hours"] == 35
    # Edit through the form.
    r = s.get(base + f"/offres/{oid}/modifier")
    assert r.status_code == 200 and 'name="version" value="1"' in r.text
    form.update({"csrf": csrf_from(r.text), "version": "1", "title": "Titre modifié", "posts": "2"})
    r = s.post(base + f"/offres/{oid}/modifier", data=form, allow_redirects=False)
    assert r.status_code == 303, text(r)[:2000]
    assert get_offer(base, who, oid)["title"] == "Titre modifié"
    r = s.post(base + f"/offres/{oid}/modifier", data=form, allow_redirects=False)
    assert r.status_code == 409
    # Another structure cannot even see the form: the dossier behind it does not exist for them.
    other = who["employer_other"]
    assert other.get(base + f"/offres/{oid}/modifier").status_code == 404
    # Close without a reason, then with one; reopen.
    r = s.post(base + f"/offres/{oid}/fermer", data={"csrf": token, "version": "2"}, allow_redirects=False)
    assert r.status_code == 422 and "indiquez son motif" in text(r)
    r = s.post(base + f"/offres/{oid}/fermer", data={"csrf": token, "version": "2", "reason": "Projet reporté"},
               allow_redirects=False)
    assert r.status_code == 200 and "Fermer cette offre ? Elle ne sera plus publiée" in text(r)
    assert get_offer(base, who, oid)["state"] == "open"
    r = s.post(base + f"/offres/{oid}/fermer", data={"csrf": token, "version": "2", "reason": "Projet reporté",
                                                   "confirmed": "1"}, allow_redirects=False)
    assert r.status_code == 303
    assert get_offer(base, who, oid)["state"] == "closed"
    r = s.get(base + f"/offres/{oid}")
    assert "Projet reporté" in text(r) and f'action="/offres/{oid}/rouvrir"' in r.text
    r = s.post(base + f"/offres/{oid}/rouvrir", data={"csrf": token, "version": "2"}, allow_redirects=False)
    assert r.status_code == 409 and "changé depuis votre lecture" in text(r)
    r = s.post(base + f"/offres/{oid}/rouvrir", data={"csrf": token, "version": "3"}, allow_redirects=False)
    assert r.status_code == 303 and get_offer(base, who, oid)["state"] == "open"
    # The structure's list shows it with its posts.
    body = text(s.get(base + "/structure/offres"))
    assert "Titre modifié" in body and f'href="/offres/{oid}/candidats"' in body
    # A dossier that is not validated has no form.
    assert s.get(base + f"/dossiers/{dossier(1, validate=False)}/offres/nouvelle").status_code == 409


def test_the_candidates_page(base, sessions, ranked):
    r = sessions["employer"].get(base + f"/offres/{ranked['offer']}/candidats")
    assert r.status_code == 200
    body = text(r)
    assert "Candidats suggérés" in body and "Proposer une mise en relation" in body
    best = ranked["ids"]["best"]
    assert f'action="/offres/{ranked["offer"]}/candidats/{best}/proposer"' in body
    assert sessions["national"].get(base + f"/offres/{ranked['offer']}/candidats").status_code == 200
    assert "Proposer une mise en relation" not in text(sessions["national"].get(base + f"/offres/{ranked['offer']}/candidats"))
    assert sessions["candidate"].get(base + f"/offres/{ranked['offer']}/candidats").status_code == 403


def test_the_navigation(base, sessions):
    body = text(requests.get(base + "/offres"))
    assert 'href="/offres"' in body and "Offres d'emploi" in body and 'href="/structure/offres"' not in body
    assert 'href="/structure/offres"' in text(sessions["employer"].get(base + "/"))
