"""The directory's search: GET /api/v1/places with every parameter, bad parameters as 422 problems naming them,
distance order on a small known set, GET /api/v1/places/{id}, and the pages /lieux and /lieux/{id}.

The known places are inserted with SQL (each name carries a tag unique to the run, and every search here filters
on it, so that places other tests import do not disturb the answers); places_version is bumped, and each loop
thread of the server picks up the new index within a second or so."""
import datetime
import html
import json
import math
import re
import time
import zoneinfo

import pytest
import requests

from conftest import DEMO_ACCOUNTS, sql, sql_int, unique

PARIS = zoneinfo.ZoneInfo("Europe/Paris")

EARTH_KM = 6371.0088
LYON = (45.764, 4.8357)

AIDE = "Aide aux démarches administratives"
LOISIRS = "Loisirs et créations numériques"
ACCES = "Accès internet et matériel informatique"

STANDARD_FIELDS = [
    "id", "pivot", "nom", "commune", "code_postal", "code_insee", "adresse", "complement_adresse", "latitude",
    "longitude", "typologie", "telephone", "courriels", "site_web", "horaires", "presentation_resume",
    "presentation_detail", "source", "itinerance", "structure_parente", "date_maj", "services",
    "publics_specifiquement_adresses", "prise_en_charge_specifique", "frais_a_charge",
    "dispositif_programmes_nationaux", "formations_labels", "autres_formations_labels", "modalites_acces",
    "modalites_accompagnement", "fiche_acces_libre", "prise_rdv",
]


def haversine(a, b):
    la1, lo1, la2, lo2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * EARTH_KM * math.asin(math.sqrt(h))


def quote(v):
    return "NULL" if v is None else "'" + str(v).replace("'", "''") + "'"


def wait_until(check, what, timeout=15):
    """Polls CHECK (new connections each time, so that every loop thread answers) until it returns true."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.2)
    raise AssertionError(f"{what}: not seen within {timeout} s (last: {last!r})")


def bump_and_wait(base, check, what):
    sql("UPDATE settings SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'places_version'")
    time.sleep(1.1)  # every thread's next request checks the version again
    wait_until(check, what)


class Known:
    """The known places of this module; ids and names carry TAG."""

    def __init__(self, tag, org):
        self.tag = tag
        self.org = org
        t = tag
        self.a, self.b, self.c, self.d = f"{t}-a", f"{t}-b", f"{t}.c:1", f"{t}-d"
        self.e, self.f, self.m = f"{t}-e", f"{t}-f", f"{t}-m"
        self.rows = [
            dict(id=self.a, nom=f"Médiathèque Émile {t}", commune="Lyon", code_postal="69001", code_insee="69381",
                 dep="69", reg="84", at=LYON, horaires="Mo-Fr 09:00-12:00,14:00-18:30",
                 services=f"{AIDE}|{LOISIRS}", publics="Seniors", frais="Gratuit", acces="Se présenter",
                 accompagnement="En autonomie", dispositifs="France Services", labels="ORDI 3.0", netpublic=1,
                 resume="Ateliers d'initiation à l'informatique", org=org, telephone="+33478000000",
                 site_web="https://mediatheque.example.fr/"),
            dict(id=self.b, nom=f"Espace numérique {t}", commune="Lyon", code_postal="69001", code_insee="69381",
                 dep="69", reg="84", at=(LYON[0] + 0.05, LYON[1]), horaires="24/7", services=ACCES,
                 publics="Jeunes", frais="Payant", acces="Téléphoner", accompagnement="Dans un atelier collectif",
                 dispositifs="Conseillers numériques", labels="SUD LABS (PACA)"),
            dict(id=self.c, nom=f"Cyber-base des Écoles {t}", commune="Villeurbanne", code_postal="69100",
                 code_insee="69266", dep="69", reg="84", at=(LYON[0] + 0.2, LYON[1]), horaires="lundi matin",
                 services=AIDE),
            dict(id=self.d, nom=f"Tiers-lieu Œuvre {t}", commune="Lyon", code_postal="69001", code_insee="69381",
                 dep="69", reg="84", at=(LYON[0], LYON[1] - 0.1), horaires="Mo-Su off"),
            dict(id=self.e, nom=f"Fab lab du Vieux-Port {t}", commune="Marseille", code_postal="13001",
                 code_insee="13201", dep="13", reg="93", at=(43.2965, 5.3698), services=LOISIRS),
            dict(id=self.f, nom=f"Atelier sans coordonnées {t}", commune="Paris", code_postal="75001",
                 code_insee="75101", dep="75", reg="11", at=None),
            dict(id=self.m, nom=f"Médiathèque Émile {t} (doublon)", commune="Lyon", code_postal="69001",
                 code_insee="69381", dep="69", reg="84", at=LYON, merged=self.a),
        ]
        self.by_id = {r["id"]: r for r in self.rows}
        # Without a point: by folded name.
        self.by_name = [self.f, self.c, self.b, self.e, self.a, self.d]

    def insert(self):
        for r in self.rows:
            at = r.get("at")
            sql("INSERT INTO places (id, pivot, nom, commune, code_postal, code_insee, adresse, latitude, longitude, "
                "horaires, services, publics_specifiquement_adresses, frais_a_charge, modalites_acces, "
                "modalites_accompagnement, dispositif_programmes_nationaux, formations_labels, presentation_resume, "
                "telephone, site_web, date_maj, netpublic, departement_code, region_code, merged_into, "
                "organisation_id, created_at, updated_at) VALUES ("
                + ", ".join([
                    quote(r["id"]), "'123456789'", quote(r["nom"]), quote(r["commune"]), quote(r["code_postal"]),
                    quote(r["code_insee"]), "'1 rue de la République'",
                    str(at[0]) if at else "NULL", str(at[1]) if at else "NULL",
                    quote(r.get("horaires")), quote(r.get("services")), quote(r.get("publics")),
                    quote(r.get("frais")), quote(r.get("acces")), quote(r.get("accompagnement")),
                    quote(r.get("dispositifs")), quote(r.get("labels")), quote(r.get("resume")),
                    quote(r.get("telephone")), quote(r.get("site_web")), "'2026-03-02'",
                    str(r.get("netpublic", 0)), quote(r["dep"]), quote(r["reg"]), quote(r.get("merged")),
                    str(r["org"]) if r.get("org") else "NULL", "0", "0"])
                + ")")


@pytest.fixture(scope="module")
def known(base):
    org = sql_int("SELECT m.organisation_id FROM memberships m JOIN people p ON p.id = m.person_id "
                  f"WHERE p.email = '{DEMO_ACCOUNTS['employer']}' AND m.role = 'employer'")
    k = Known(unique("zq"), org)
    k.insert()
    bump_and_wait(base, lambda: search(base, q=k.tag)["total"] == 6, "the known places in the search")
    return k


def search(base, **params):
    r = requests.get(base + "/api/v1/places", params=params)
    assert r.status_code == 200, (params, r.status_code, r.text[:500])
    assert r.headers["content-type"].startswith("application/json")
    return r.json()


def ids(answer):
    return [i["id"] for i in answer["items"]]


# ---------------------------------------------------------------------------------------------
# Distance


def test_radius_search_by_distance(base, known):
    d = search(base, q=known.tag, lat=LYON[0], lon=LYON[1], radius_km=10)
    assert ids(d) == [known.a, known.b, known.d]
    assert d["total"] == 3 and d["page"] == 1 and d["per_page"] == 20
    for item in d["items"]:
        expected = haversine(LYON, known.by_id[item["id"]]["at"])
        assert abs(item["distance_km"] - expected) < 0.006, (item["id"], item["distance_km"], expected)
        assert set(STANDARD_FIELDS) <= set(item), set(STANDARD_FIELDS) - set(item)
        assert set(item) - set(STANDARD_FIELDS) == {"distance_km"}
        assert isinstance(item["latitude"], float) and isinstance(item["longitude"], float)
    assert [i["distance_km"] for i in d["items"]] == sorted(i["distance_km"] for i in d["items"])
    assert ids(search(base, q=known.tag, lat=LYON[0], lon=LYON[1], radius_km=30)) == [known.a, known.b, known.d,
                                                                                      known.c]
    # A point without a radius: every place with coordinates, nearest first; none without coordinates.
    assert ids(search(base, q=known.tag, lat=LYON[0], lon=LYON[1])) == [known.a, known.b, known.d, known.c, known.e]
    # From Marseille.
    assert ids(search(base, q=known.tag, lat=43.3, lon=5.37, radius_km=5)) == [known.e]


def test_near_commune(base, known):
    at = sql("SELECT latitude, longitude FROM communes WHERE code = '69123'")
    # The geography always has coordinates (tools/refdata.mjs, from the locked npm packages).
    assert at and "|" in at and not at.startswith("|"), at
    lyon = tuple(float(x) for x in at.split("|"))
    expected = sorted((haversine(lyon, r["at"]), r["id"]) for r in known.rows
                      if r.get("at") and "merged" not in r and haversine(lyon, r["at"]) <= 25)
    for near in ("69123", "Lyon", "lyon"):
        d = search(base, q=known.tag, near_commune=near, radius_km=25)
        assert ids(d) == [i for _, i in expected], near
        for item, (km, _) in zip(d["items"], expected):
            assert abs(item["distance_km"] - km) < 0.006


# ---------------------------------------------------------------------------------------------
# Filters and text


def test_without_criteria_by_name(base, known):
    d = search(base, q=known.tag)
    assert ids(d) == known.by_name
    assert all("distance_km" not in i for i in d["items"])
    assert known.m not in ids(d)  # merged into another


@pytest.mark.parametrize("params, expected", [
    ({"services": AIDE}, "c a"),
    ({"services": [AIDE, ACCES]}, "c b a"),
    ({"services": f"{AIDE}|{LOISIRS}"}, "c e a"),
    ({"services": "loisirs et creations numeriques"}, "e a"),
    ({"publics": "Seniors"}, "a"),
    ({"frais": "Payant"}, "b"),
    ({"frais": "gratuit"}, "a"),
    ({"modalites_acces": "Téléphoner"}, "b"),
    ({"modalites_accompagnement": "En autonomie"}, "a"),
    ({"dispositifs": "France Services"}, "a"),
    ({"labels": "SUD LABS (PACA)"}, "b"),
    ({"netpublic": "true"}, "a"),
    ({"netpublic": "false", "departement": "69"}, "c b d"),
    ({"departement": "13"}, "e"),
    ({"region": "11"}, "f"),
    ({"code_postal": "69100"}, "c"),
    ({"commune": "Villeurbanne"}, "c"),
    ({"commune": "69266"}, "c"),
    ({"commune": "lyon", "services": ACCES}, "b"),
    ({"services": ACCES, "publics": "Seniors"}, ""),
    ({"q": "", "commune": "", "departement": "13", "region": "", "services": ""}, "e"),
])
def test_filters(base, known, params, expected):
    letters = {known.a: "a", known.b: "b", known.c: "c", known.d: "d", known.e: "e", known.f: "f"}
    params = dict(params)
    params["q"] = (params.get("q", "") + " " + known.tag).strip()
    got = " ".join(letters[i] for i in ids(search(base, **params)))
    assert got == expected


@pytest.mark.parametrize("words, expected", [
    ("mediatheque", "a"),
    ("MÉDIATHÈQUE émile", "a"),
    ("écoles cyber", "c"),
    ("oeuvre", "d"),
    ("initiation", "a"),  # in the summary
    ("villeurbanne", "c"),  # the commune
    ("espace numerique", "b"),
    ("mediatheque marseille", ""),
])
def test_text_search_ignores_accents_and_case(base, known, words, expected):
    letters = {known.a: "a", known.b: "b", known.c: "c", known.d: "d", known.e: "e", known.f: "f"}
    got = " ".join(letters[i] for i in ids(search(base, q=f"{words} {known.tag}")))
    assert got == expected


def test_open_now(base, known):
    got = ids(search(base, q=known.tag, open_now="true"))
    assert known.b in got  # 24/7
    assert known.c not in got  # hours not understood: not known to be open
    assert known.d not in got  # Mo-Su off
    assert known.e not in got and known.f not in got  # no hours
    assert len(ids(search(base, q=known.tag, open_now="false"))) == 6


def test_pagination(base, known):
    d = search(base, q=known.tag, per_page=2)
    assert d["total"] == 6 and d["per_page"] == 2 and ids(d) == known.by_name[:2]
    assert ids(search(base, q=known.tag, per_page=2, page=2)) == known.by_name[2:4]
    assert ids(search(base, q=known.tag, per_page=2, page=3)) == known.by_name[4:]
    d = search(base, q=known.tag, per_page=2, page=4)
    assert d["items"] == [] and d["total"] == 6 and d["page"] == 4
    assert search(base, q=known.tag, per_page=1000)["per_page"] == 100
    assert search(base)["per_page"] == 20
    assert len(search(base)["items"]) <= 20


@pytest.mark.parametrize("params, field", [
    ({"lat": "91", "lon": "5"}, "lat"),
    ({"lat": "45", "lon": "200"}, "lon"),
    ({"lat": "quarante", "lon": "5"}, "lat"),
    ({"lat": "45"}, "lon"),
    ({"lon": "5"}, "lat"),
    ({"lat": "45", "lon": "5", "radius_km": "dix"}, "radius_km"),
    ({"lat": "45", "lon": "5", "radius_km": "201"}, "radius_km"),
    ({"lat": "45", "lon": "5", "radius_km": "0"}, "radius_km"),
    ({"radius_km": "10"}, "radius_km"),
    ({"near_commune": "Nullepart-sur-Mer"}, "near_commune"),
    ({"near_commune": "Lyon", "lat": "45", "lon": "5"}, "near_commune"),
    ({"code_postal": "690"}, "code_postal"),
    ({"departement": "999"}, "departement"),
    ({"region": "ARA"}, "region"),
    ({"services": "Cuisine"}, "services"),
    ({"publics": "Martiens"}, "publics"),
    ({"frais": "Hors de prix"}, "frais"),
    ({"modalites_acces": "Sonner"}, "modalites_acces"),
    ({"modalites_accompagnement": "Seul"}, "modalites_accompagnement"),
    ({"dispositifs": "Aucun"}, "dispositifs"),
    ({"labels": "Aucun"}, "labels"),
    ({"netpublic": "peut-être"}, "netpublic"),
    ({"open_now": "parfois"}, "open_now"),
    ({"page": "0"}, "page"),
    ({"per_page": "0"}, "per_page"),
    ({"per_page": "-5"}, "per_page"),
    ({"q": "a" * 201}, "q"),
])
def test_bad_parameter_is_a_422_naming_it(base, params, field):
    r = requests.get(base + "/api/v1/places", params=params)
    assert r.status_code == 422, (params, r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("application/problem+json")
    p = r.json()
    assert p["status"] == 422
    assert field in {e["field"] for e in p["errors"]}, p["errors"]
    assert all(e["message"].strip() for e in p["errors"])


def test_several_bad_parameters_are_all_named(base):
    r = requests.get(base + "/api/v1/places", params={"lat": "100", "services": "X", "per_page": "0"})
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"lat", "lon", "services", "per_page"}


def test_index_follows_changes(base, known):
    new_name = f"Espace numérique renommé {known.tag}"
    sql(f"UPDATE places SET nom = {quote(new_name)} WHERE id = {quote(known.b)}")
    try:
        bump_and_wait(base, lambda: [i["nom"] for i in search(base, q=f"renomme {known.tag}")["items"]] == [new_name],
                      "the renamed place")
    finally:
        sql(f"UPDATE places SET nom = {quote(known.by_id[known.b]['nom'])} WHERE id = {quote(known.b)}")
        bump_and_wait(base, lambda: search(base, q=f"renomme {known.tag}")["total"] == 0, "the name restored")


# ---------------------------------------------------------------------------------------------
# One place


def open_weekdays_9_12_14_1830(t):
    """Whether "Mo-Fr 09:00-12:00,14:00-18:30" is open at T, a Paris local time (the minute a range ends is
    closed, as in core/hours.h)."""
    m = t.hour * 60 + t.minute
    return t.weekday() < 5 and (9 * 60 <= m < 12 * 60 or 14 * 60 <= m < 18 * 60 + 30)


def test_place_api(base, known):
    before = open_weekdays_9_12_14_1830(datetime.datetime.now(PARIS))
    r = requests.get(f"{base}/api/v1/places/{known.a}")
    after = open_weekdays_9_12_14_1830(datetime.datetime.now(PARIS))
    assert r.status_code == 200, r.text[:300]
    p = r.json()
    assert set(STANDARD_FIELDS) <= set(p)
    assert p["id"] == known.a and p["nom"] == known.by_id[known.a]["nom"]
    assert p["latitude"] == LYON[0] and p["longitude"] == LYON[1]
    assert p["netpublic"] is True and p["coords_approx"] is False and p["networks"] == []
    assert p["horaires_fr"] == "du lundi au vendredi de 9 h à 12 h et de 14 h à 18 h 30"
    # The server's answer at the moment of the request; only when the request straddles an opening or a closing
    # may it be either.
    assert p["ouvert_maintenant"] in {before, after}, (p["ouvert_maintenant"], before, after)
    b = requests.get(f"{base}/api/v1/places/{known.b}").json()
    assert b["ouvert_maintenant"] is True and b["horaires_fr"]
    c = requests.get(f"{base}/api/v1/places/{known.c}").json()  # an id with "." and ":"
    assert c["id"] == known.c
    assert c["horaires_fr"] is None and c["ouvert_maintenant"] is None and c["horaires"] == "lundi matin"
    assert requests.get(f"{base}/api/v1/places/{known.d}").json()["ouvert_maintenant"] is False
    assert requests.get(f"{base}/api/v1/places/{known.f}").json()["ouvert_maintenant"] is None


def test_place_api_merged_redirects_and_unknown_is_404(base, known):
    r = requests.get(f"{base}/api/v1/places/{known.m}", allow_redirects=False)
    assert r.status_code == 301
    assert r.headers["location"] == f"/api/v1/places/{known.a}"
    assert requests.get(f"{base}/api/v1/places/{known.m}").json()["id"] == known.a
    r = requests.get(f"{base}/api/v1/places/{known.tag}-absent")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")


def test_place_page(base, known):
    r = requests.get(f"{base}/lieux/{known.a}")
    assert r.status_code == 200
    page = html.unescape(r.text)
    row = known.by_id[known.a]
    assert f"<h1>{row['nom']}</h1>" in page
    assert "du lundi au vendredi de 9 h à 12 h et de 14 h à 18 h 30" in page
    assert "1 rue de la République" in page and "69001 Lyon" in page
    assert 'href="tel:+33478000000"' in page
    assert 'href="https://mediatheque.example.fr/"' in page
    for value in (AIDE, LOISIRS, "Seniors", "Se présenter", "En autonomie", "Gratuit", "France Services"):
        assert value in page, value
    assert "Labellisé NetPublic" in page
    assert f"/lieux/{known.a}/modifier" not in page  # anonymous
    # "Ouvert maintenant" only when the hours say open.
    assert "Ouvert maintenant" in html.unescape(requests.get(f"{base}/lieux/{known.b}").text)
    d = html.unescape(requests.get(f"{base}/lieux/{known.d}").text)
    assert "Ouvert maintenant" not in d
    c = requests.get(f"{base}/lieux/{known.c}")
    assert c.status_code == 200
    c = html.unescape(c.text)
    assert "Horaires non reconnus" in c and "lundi matin" in c and "Ouvert maintenant" not in c


def test_place_page_edit_link_for_those_who_may_edit(base, known, sessions):
    link = f'href="/lieux/{known.a}/modifier"'
    for role in ("admin", "national", "employer"):
        assert link in sessions[role].get(f"{base}/lieux/{known.a}").text, role
    for role in ("regional", "candidate"):
        assert link not in sessions[role].get(f"{base}/lieux/{known.a}").text, role
    # The employer's organisation does not manage place B.
    assert f'href="/lieux/{known.b}/modifier"' not in sessions["employer"].get(f"{base}/lieux/{known.b}").text


def test_place_page_merged_and_unknown(base, known):
    r = requests.get(f"{base}/lieux/{known.m}", allow_redirects=False)
    assert r.status_code == 301 and r.headers["location"] == f"/lieux/{known.a}"
    r = requests.get(f"{base}/lieux/{known.tag}-absent")
    assert r.status_code == 404 and "text/html" in r.headers["content-type"]


# ---------------------------------------------------------------------------------------------
# The search page


def test_search_page_lists_and_maps_the_results(base, known):
    r = requests.get(base + "/lieux", params={"q": known.tag, "near_commune": "", "radius_km": "",
                                              "departement": "", "region": ""})
    assert r.status_code == 200
    page = html.unescape(r.text)
    assert "6 lieux trouvés" in page
    for row in known.rows:
        if "merged" not in row:
            assert row["nom"] in page, row["nom"]
    assert 'href="/lieux"' in page  # the navigation
    m = re.search(r'data-places="([^"]*)"', r.text)
    assert m, "no map data"
    pins = json.loads(html.unescape(m.group(1)))
    assert {p["id"] for p in pins} == {known.a, known.b, known.c, known.d, known.e}  # F has no coordinates
    assert all(isinstance(p["lat"], float) and p["href"].startswith("/lieux/") for p in pins)
    assert 'data-tile-url="https://' in r.text
    assert '<script type="module" src="/static/app/places.js">' in r.text


def test_search_page_paginates_and_keeps_the_criteria(base, known):
    r = requests.get(base + "/lieux", params={"q": known.tag, "per_page": 2, "services": AIDE})
    page = html.unescape(r.text)
    assert "2 lieux trouvés" in page
    r = requests.get(base + "/lieux", params={"q": known.tag, "per_page": 2})
    page = html.unescape(r.text)
    assert "6 lieux trouvés" in page and "1 / 3" in page
    nxt = re.search(r'href="(/lieux\?[^"]*page=2)"', page)
    assert nxt, "no link to page 2"
    assert known.tag in nxt.group(1) and "per_page=2" in nxt.group(1)
    second = html.unescape(requests.get(base + nxt.group(1)).text)
    assert known.by_id[known.by_name[2]]["nom"] in second
    assert known.by_id[known.by_name[0]]["nom"] not in second
    # Checked filters stay checked.
    r = requests.get(base + "/lieux", params={"q": known.tag, "services": AIDE})
    assert re.search(r'name="services" value="Aide aux d[^"]*" checked', html.unescape(r.text))


def test_search_page_with_distance(base, known):
    r = requests.get(base + "/lieux", params={"q": known.tag, "lat": LYON[0], "lon": LYON[1], "radius_km": "10"})
    assert r.status_code == 200
    page = html.unescape(r.text)
    assert "3 lieux trouvés" in page
    assert "5,6 km" in page  # place B, 0.05° north


def test_search_page_errors(base, known):
    r = requests.get(base + "/lieux", params={"q": known.tag, "code_postal": "123", "services": "Cuisine"})
    assert r.status_code == 422
    page = html.unescape(r.text)
    assert "<title>Erreur" in page
    assert 'href="#code_postal"' in page and 'href="#services"' in page
    assert 'aria-invalid="true"' in page
    assert "lieux trouvés" not in page
