"""The queries a page runs do not grow with its rows: no N+1. In test mode each response says how many statements
it ran (X-Queries); the heaviest pages are read with few rows, then with more, and must run the same number,
within a fixed bound."""
import time

import requests

from conftest import DEMO_ACCOUNTS, org_id, page_csrf, post_login, run_cli, sql, sql_int, unique, unique_email

PASSWORD = "mot-de-passe-des-requetes-2026"
BOUND = 25
ML_ORG = "Mission locale Vallée de la Drôme"


def queries(session, url):
    """The statements URL runs, asked twice: the first request may also slide the session's expiry (one UPDATE,
    at most once every few minutes, so after any long test before this one)."""
    session.get(url)
    r = session.get(url)
    assert r.status_code == 200, (url, r.status_code, r.text[:500])
    return int(r.headers["x-queries"])


_ADMIN = []


def admin_bearer():
    """An admin's API token: a visitor's registration waits for its confirmation link, an admin's does not."""
    if not _ADMIN:
        r = run_cli("token", "create", DEMO_ACCOUNTS["admin"], "test_queries")
        assert r.returncode == 0, r.stderr
        _ADMIN.append({"Authorization": f"Bearer {r.stdout.strip().split()[-1]}"})
    return _ADMIN[0]


def candidate(base, wished=()):
    """A candidate registered through the API (by an admin), signed in: (id, session)."""
    email = unique_email("req")
    body = {"email": email, "name": unique("Jeune "), "password": PASSWORD, "birth_date": "2004-03-01",
            "commune_code": "26108", "qualification_level": "3", "seeking_since": "2025-01-06",
            "priority_area": "none", "max_distance_km": 40, "wished_profiles": list(wished)}
    r = requests.post(base + "/api/v1/candidates", json=body, headers=admin_bearer())
    assert r.status_code == 201, r.text
    s, r = post_login(base, email, PASSWORD)
    assert r.status_code == 303
    return sql_int(f"SELECT id FROM people WHERE email = '{email}'"), s


def open_offer():
    """An open offer of the demo structure near Crest (a validated dossier of the 2013 programme), made in SQL."""
    org = sql_int("SELECT organisation_id FROM places WHERE id = 'demo-ateliers-numeriques-crest'")
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


def test_every_response_counts_its_queries_in_test_mode(base, sessions):
    r = sessions["national"].get(base + "/dossiers")
    assert int(r.headers["x-queries"]) > 0


def test_the_programme_page_reads_region_names_from_memory(base, sessions):
    eav = sql_int("SELECT id FROM programmes WHERE code = 'EAV-EPN-2013'")
    pole = sql_int(f"SELECT id FROM poles WHERE programme_id = {eav} ORDER BY id LIMIT 1")
    before = sql(f"SELECT region_code FROM pole_regions WHERE pole_id = {pole}").split()
    s = sessions["national"]

    def cover(codes):
        sql(f"DELETE FROM pole_regions WHERE pole_id = {pole}")
        for code in codes:
            sql(f"INSERT INTO pole_regions (pole_id, region_code) VALUES ({pole}, '{code}')")
    try:
        cover(["84"])
        few = queries(s, base + f"/programmes/{eav}")
        cover(["84", "27", "11", "44", "93", "76"])
        many = queries(s, base + f"/programmes/{eav}")
    finally:
        cover(before)
    assert few == many <= BOUND, (few, many)


def test_the_dossier_filters_do_not_grow_with_the_programmes(base, sessions):
    """The filter form of /dossiers lists every programme and its job profiles: from memory, not a query each."""
    s = sessions["regional"]
    few = queries(s, base + "/dossiers")
    for _ in range(3):
        code = unique("prog-").lower()
        pid = sql_int("INSERT INTO programmes (code, name, contract_min_months, contract_max_months, created_at, "
                      f"updated_at) VALUES ('{code}', '{code}', 12, 36, 0, 0) RETURNING id")
        sql(f"INSERT INTO job_profiles (programme_id, code, title, created_at, updated_at) VALUES ({pid}, 'metier', "
            f"'Métier de {code}', 0, 0)")
    # Written behind the platform's back: say so, as every write to the reference data does. The server's
    # background builder sees the version move (it polls every 250 ms) and builds the new snapshot; the requests
    # meanwhile go on with the previous one and never run its queries.
    sql("UPDATE settings SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'refdata_version'")
    deadline = time.time() + 10
    while True:
        r = s.get(base + "/dossiers")
        assert r.status_code == 200
        assert int(r.headers["x-queries"]) == few  # no request builds the snapshot
        if "Métier de " in r.text or time.time() > deadline:
            break
        time.sleep(0.1)
    assert "Métier de " in r.text


def test_lists_run_the_same_queries_for_one_row_or_fifty(base, sessions):
    # Enough rows in each list: dossiers cloned from the demo's, applications of new candidates to the demo offer.
    demo = sql_int("SELECT MIN(id) FROM dossiers WHERE state = 'validated'")
    for _ in range(3):
        sql("INSERT INTO dossiers (programme_id, organisation_id, state, region_code, place_id, created_at, "
            "updated_at, state_since, submitted_at) SELECT programme_id, organisation_id, 'regional_review', "
            f"region_code, place_id, created_at, updated_at, state_since, submitted_at FROM dossiers WHERE id = {demo}")
    offer = open_offer()
    for _ in range(3):
        _, s = candidate(base)
        r = s.post(base + f"/api/v1/offers/{offer}/applications", json={},
                   headers={"X-CSRF-Token": page_csrf(s, base, "/candidat")})
        assert r.status_code == 201, r.text
    for role, path in (("national", "/api/v1/dossiers"), ("regional", "/dossiers"), ("national", "/candidatures"),
                       ("employer", "/api/v1/applications"), ("national", "/contrats"),
                       ("national", "/api/v1/sessions"), ("pole", "/api/v1/contracts")):
        s = sessions[role]
        sep = "&" if "?" in path else "?"
        one = queries(s, base + path + sep + "per_page=1")
        fifty = queries(s, base + path + sep + "per_page=50")
        assert one == fifty <= BOUND, (role, path, one, fifty)
    total = sessions["employer"].get(base + "/api/v1/applications?per_page=50").json()["total"]
    assert total >= 3


def test_a_prescribers_list_and_a_profile_do_not_grow_with_their_rows(base, sessions):
    prescriber = sessions["prescriber"]
    org = org_id(ML_ORG)
    profiles = [int(x) for x in sql("SELECT id FROM job_profiles WHERE active = 1 ORDER BY id").split()]
    me, s = candidate(base, wished=profiles[:1])
    sql(f"INSERT INTO candidate_followers (candidate_id, organisation_id, since, state) VALUES ({me}, {org}, 0, "
        "'accepted')")
    few = queries(prescriber, base + "/prescripteur")
    one_wish = queries(s, base + "/api/v1/candidates/me")
    for _ in range(3):
        other, _ = candidate(base)
        sql(f"INSERT INTO candidate_followers (candidate_id, organisation_id, since, state) VALUES ({other}, {org}, "
            "0, 'accepted')")
    assert queries(prescriber, base + "/prescripteur") == few <= BOUND
    r = s.patch(base + "/api/v1/candidates/me", json={"version": 1, "wished_profiles": profiles[:4]},
                headers={"X-CSRF-Token": page_csrf(s, base, "/candidat")})
    assert r.status_code == 200 and len(r.json()["wished_profile_titles"]) == min(4, len(profiles))
    assert queries(s, base + "/api/v1/candidates/me") == one_wish <= BOUND
