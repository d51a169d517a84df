"""Steering through the pages, the API, the exports, the annual report and the open data: the same figure from the
page, the API, the CSV and the PDF (pdftotext); the same data give the same PDF bytes, whose SHA-256 the journal
holds; a regional officer sees only their regions in every figure and export; no open-data cell under 5 and no
secret cell recomputable from the totals published beside it.

The data: a programme of its own (so that the other suites' dossiers never enter its tables), with dossiers,
offers, candidates and contracts written in SQL in two régions (84, where the demo regional officer works, and 11)."""
import csv
import datetime
import io
import json
import os
import subprocess
import time

import pytest
import requests

from conftest import DEMO_ACCOUNTS, csrf_from, paris_today, run_cli, sql, sql_int, text, unique

YEAR = paris_today().year
PERIOD = {"from": f"{YEAR}-01-01", "to": f"{YEAR}-12-31"}


def epoch(y, m, d):
    return int(datetime.datetime(y, m, d, tzinfo=datetime.timezone.utc).timestamp())


@pytest.fixture(scope="module")
def prog():
    """A programme with two job profiles; in 84: Drôme, Ardèche, Isère; in 11: Paris. Posts granted per
    (département, métier) chosen so that some cells are under 5 and some are not."""
    code = unique("ST")
    now = int(time.time())
    sql(f"INSERT INTO programmes (code, name, target_posts, contract_min_months, contract_max_months, created_at, "
        f"updated_at) VALUES ('{code}', 'Pilotage {code}', 200, 12, 36, 0, 0)")
    pid = sql_int(f"SELECT id FROM programmes WHERE code = '{code}'")
    sql(f"INSERT INTO programme_region_targets (programme_id, region_code, target_posts) VALUES ({pid}, '84', 120), "
        f"({pid}, '11', 80)")
    sql(f"INSERT INTO job_profiles (programme_id, code, title, created_at, updated_at) VALUES ({pid}, 'anim', "
        f"'Animateur {code}', 0, 0), ({pid}, 'tech', 'Technicien {code}', 0, 0)")
    jp = [sql_int(f"SELECT id FROM job_profiles WHERE programme_id = {pid} AND code = '{c}'") for c in ("anim", "tech")]
    org = sql_int("SELECT id FROM organisations WHERE name LIKE '%' ORDER BY id LIMIT 1")
    grants = {("26", 0): 12, ("26", 1): 3, ("07", 0): 9, ("07", 1): 8, ("38", 0): 2, ("38", 1): 15, ("75", 0): 6,
              ("75", 1): 1}
    region = {"26": "84", "07": "84", "38": "84", "75": "11"}
    dossiers = {}
    for (dept, j), posts in grants.items():
        place = unique("pl")
        sql(f"INSERT INTO places (id, pivot, nom, commune, code_postal, adresse, date_maj, departement_code, "
            f"region_code, created_at, updated_at) VALUES ('{place}', '{place}', 'EPN {place}', 'X', '00000', "
            f"'1 rue', '{YEAR}-01-01', '{dept}', '{region[dept]}', 0, 0)")
        sql(f"INSERT INTO dossiers (programme_id, organisation_id, state, region_code, created_at, updated_at, "
            f"state_since, place_id, employer_category, job_profile_id, decision, posts_granted, decision_at) VALUES "
            f"({pid}, {org}, 'validated', '{region[dept]}', {now}, {now}, {now}, '{place}', 'association', {jp[j]}, "
            f"'validated', {posts}, {now})")
        did = sql_int(f"SELECT id FROM dossiers WHERE place_id = '{place}'")
        sql(f"INSERT INTO offers (dossier_id, organisation_id, programme_id, job_profile_id, place_id, "
            f"departement_code, region_code, title, start_on, contract_type, weekly_hours, description, posts, state, "
            f"created_at, updated_at) VALUES ({did}, {org}, {pid}, {jp[j]}, '{place}', '{dept}', '{region[dept]}', "
            f"'Offre', '{YEAR}-01-01', 'CDD', 35, 'd', {posts}, 'open', {now}, {now})")
        dossiers[(dept, j)] = (did, sql_int(f"SELECT id FROM offers WHERE dossier_id = {did}"))
    # One contract in each région: 84 running, 11 ended early this year with an outcome.
    tutor = sql_int("SELECT id FROM people ORDER BY id LIMIT 1")
    recruits = []
    for n, (key, state, ended) in enumerate([(("26", 0), "active", None), (("75", 0), "ended_early",
                                                                             f"{YEAR}-01-31")]):
        email = unique("st") + "@exemple.fr"
        sql(f"INSERT INTO people (email, name, created_at, updated_at) VALUES ('{email}', 'Recrue {n}', 0, 0)")
        cid = sql_int(f"SELECT id FROM people WHERE email = '{email}'")
        sql(f"INSERT INTO candidates (person_id, birth_date, qualification_level, priority_area, sex, created_at, "
            f"updated_at) VALUES ({cid}, '2004-05-05', '4', 'qpv', 'F', 0, 0)")
        did, oid = dossiers[key]
        region_code = region[key[0]]
        ended_sql = f"'{ended}'" if ended else "NULL"
        sql(f"INSERT INTO contracts (offer_id, dossier_id, organisation_id, programme_id, candidate_id, region_code, "
            f"contract_type, start_on, weekly_hours, tutor_id, state, state_since, ended_on, ended_by, break_reason, "
            f"outcome, created_at, updated_at) VALUES ({oid}, {did}, {org}, {pid}, {cid}, '{region_code}', 'CDD', "
            f"'{YEAR}-01-02', 35, {tutor}, '{state}', 0, {ended_sql}, "
            f"{'NULL' if not ended else chr(39) + 'employer' + chr(39)}, "
            f"{'NULL' if not ended else chr(39) + 'trial' + chr(39)}, {'NULL' if not ended else chr(39) + 'job_seeker' + chr(39)}, "
            f"{now}, {now})")
        recruits.append(cid)
    # Money: an aid line paid in 84, one to pay in 11, a recovery notified in 11; the national envelope and 84's.
    for reg, cents, paid, day in (("84", 136727, 1, "01-02"), ("11", 50000, 0, "01-15")):
        sql(f"INSERT INTO schedule_lines (subject, subject_id, organisation_id, programme_id, region_code, "
            f"version_from, kind, period_from, period_to, month, amount_cents, explain, paid, created_at) VALUES "
            f"('aid_decision', 1, {org}, {pid}, '{reg}', 1, 'aid', '{YEAR}-{day}', '{YEAR}-{day}', '{YEAR}-01', "
            f"{cents}, 'x', {paid}, {now})")
    sql(f"INSERT INTO recoveries (subject, subject_id, organisation_id, programme_id, region_code, amount_cents, "
        f"motive, reference, state, state_since, created_at, updated_at) VALUES ('aid_decision', 1, {org}, {pid}, "
        f"'11', 12345, 'm', '{unique('OR')}', 'notified', {now}, {now}, {now})")
    sql(f"INSERT INTO budget_envelopes (programme_id, year, region_code, commitments_cents, payments_cents, "
        f"updated_at) VALUES ({pid}, {YEAR}, '', 1000000, 800000, {now}), ({pid}, {YEAR}, '84', 300000, 200000, "
        f"{now})")
    # Activity rollups of the two recruits (a workshop in 84, an individual session in 11) in January: written
    # here without their reports, so taken away after this module (`tremplin activity verify` compares both).
    for cid, reg, dep, kind, reports, people in ((recruits[0], "84", "26", "collectif", 2, 12),
                                                 (recruits[1], "11", "75", "individuel", 1, 1)):
        sql(f"INSERT INTO activity_rollup (day, adviser_id, organisation_id, commune_code, type, org_commune_code, "
            f"departement_code, region_code, org_departement_code, org_region_code, reports, participants, "
            f"already, minutes) VALUES ('{YEAR}-01-10', {cid}, {org}, '{dep}000', '{kind}', '{dep}000', '{dep}', "
            f"'{reg}', '{dep}', '{reg}', {reports}, {people}, 0, 60)")
    yield {"id": pid, "code": code, "jp": jp, "grants": grants, "region": region}
    sql(f"DELETE FROM activity_rollup WHERE adviser_id IN ({recruits[0]}, {recruits[1]})")


def figure(session, base, pid, fid, **params):
    r = session.get(base + f"/api/v1/steering/figures/{fid}", params={"programme": pid, **PERIOD, **params})
    assert r.status_code == 200, r.text
    return r.json()


def values(fig):
    return {row["key"]: row["values"] for row in fig["rows"]}


def test_figures_need_a_role(base, sessions, prog):
    anon = requests.Session()
    r = anon.get(base + "/pilotage", allow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/connexion")
    assert anon.get(base + "/api/v1/steering/figures").status_code == 401
    assert sessions["candidate"].get(base + "/pilotage").status_code == 403
    assert sessions["candidate"].get(base + "/api/v1/steering/figures").status_code == 403
    r = sessions["national"].get(base + "/api/v1/steering/figures/no_such_thing", params={"programme": prog["id"]})
    assert r.status_code == 404
    r = sessions["national"].get(base + "/api/v1/steering/figures", params={"programme": prog["id"], "from": "2026-13-01"})
    assert r.status_code == 422 and {e["field"] for e in r.json()["errors"]} == {"from"}


def test_the_national_figures(base, sessions, prog):
    s = sessions["national"]
    v = values(figure(s, base, prog["id"], "posts_summary"))
    total = sum(prog["grants"].values())
    # Target of the programme; both contracts filled on the period's last day? k in 84 runs, k in 11 ended.
    assert v == {"target": [200], "granted": [total], "filled": [1], "vacant": [total - 1], "returned": [0]}
    by_region = values(figure(s, base, prog["id"], "posts_by_region"))
    assert by_region["84"] == [12 + 3 + 9 + 8 + 2 + 15, 1, 120]
    assert by_region["11"] == [6 + 1, 0, 80]
    assert values(figure(s, base, prog["id"], "early_breaks"))["ended_early"] == [1]
    assert values(figure(s, base, prog["id"], "breaks_by_whom"))["employer"] == [1]
    # The viewer (steering committee member) reads the same.
    assert values(figure(sessions["viewer"], base, prog["id"], "posts_summary")) == v
    # The list of indicators, and the whole dashboard in one call.
    ids = [i["id"] for i in s.get(base + "/api/v1/steering/indicators").json()["items"]]
    dash = s.get(base + "/api/v1/steering/figures", params={"programme": prog["id"], **PERIOD}).json()
    assert [f["id"] for sec in dash["sections"] for f in sec["figures"]] == ids
    assert dash["previous_period"] == {"from": f"{YEAR - 1}-01-01", "to": f"{YEAR - 1}-12-31"}


def test_the_same_figure_on_the_page_in_the_csv_and_the_xlsx(base, sessions, prog):
    s = sessions["national"]
    fig = figure(s, base, prog["id"], "posts_by_region")
    q = {"programme": prog["id"], "du": PERIOD["from"], "au": PERIOD["to"]}
    page = text(s.get(base + "/pilotage", params=q))
    assert "Postes par région" in page and "Mode de calcul" in page and "<svg" in page
    r = s.get(base + "/pilotage/posts_by_region/export.csv", params=q)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Région", "Accordés", "Pourvus", "Objectif"]
    by_label = {row[0]: row[1:4] for row in rows[1:]}
    for row in fig["rows"]:
        assert by_label[row["label"]] == [str(x) for x in row["values"]]
        # The page's table holds the same numbers in the same row.
        cells = "".join(f"<td>{x}</td>" for x in row["values"])
        assert f'<th scope="row">{row["label"]}</th>{cells}' in page
    r = s.get(base + "/pilotage/posts_by_region/export.xlsx", params=q)
    assert r.status_code == 200 and r.content[:2] == b"PK"


def test_a_regional_officer_sees_only_their_regions(base, sessions, prog):
    s = sessions["regional"]  # the demo regional officer covers 84 only
    dash = s.get(base + "/api/v1/steering/figures", params={"programme": prog["id"], **PERIOD}).json()
    for sec in dash["sections"]:
        for f in sec["figures"]:
            if f["id"] in ("posts_by_region", "outcomes_by_region"):
                assert {r["key"] for r in f["rows"]} <= {"84"}, f["id"]
            if f["id"] == "posts_by_departement":
                assert {r["key"] for r in f["rows"]} <= {"26", "07", "38", "01", "03", "15", "42", "43", "63", "69",
                                                        "73", "74"}
    v = values(figure(s, base, prog["id"], "posts_summary"))
    assert v["target"] == [120] and v["granted"] == [12 + 3 + 9 + 8 + 2 + 15] and v["filled"] == [1]
    assert values(figure(s, base, prog["id"], "early_breaks"))["ended_early"] == [0]
    # Another région is refused, in the API and the exports.
    r = s.get(base + "/api/v1/steering/figures/posts_summary", params={"programme": prog["id"], "region": "11"})
    assert r.status_code == 422
    r = s.get(base + "/pilotage/posts_by_region/export.csv", params={"programme": prog["id"], "du": PERIOD["from"],
                                                                     "au": PERIOD["to"]})
    body = r.content.decode("utf-8-sig")
    assert "Auvergne" in body and "Île-de-France" not in body
    assert "Île-de-France" not in text(s.get(base + "/pilotage", params={"programme": prog["id"]})).split("<table")[1]
    # The national report is not theirs; their région's is.
    r = s.post(base + "/api/v1/steering/reports", json={"programme_id": prog["id"], "year": YEAR},
               headers={"X-CSRF-Token": csrf_from(s.get(base + "/pilotage/bilans").text)})
    assert r.status_code == 422
    r = s.post(base + "/api/v1/steering/reports", json={"programme_id": prog["id"], "year": YEAR, "region": "84"},
               headers={"X-CSRF-Token": csrf_from(s.get(base + "/pilotage/bilans").text)})
    assert r.status_code == 201, r.text
    listed = s.get(base + "/api/v1/steering/reports", params={"programme": prog["id"]}).json()["items"]
    assert listed and {x["region_code"] for x in listed} == {"84"}


def test_money_and_activity(base, sessions, prog):
    """The subsidies' and the activity figures: whole euros from the exact cents, the envelope of the scope, the
    sessions of the programme's recruits from the activity rollups; the same numbers in the CSV."""
    s = sessions["national"]
    assert values(figure(s, base, prog["id"], "money_summary")) == {
        "committed": [1867], "paid": [1367], "to_pay": [500], "recovered": [123], "repaid": [0]}
    assert values(figure(s, base, prog["id"], "money_envelopes")) == {
        "commitments": [10000, 1867, 18.7], "payments": [8000, 1367, 17.1]}
    assert values(figure(s, base, prog["id"], "activity_sessions")) == {
        "individuel": [1, 1], "collectif": [2, 12], "ponctuel": [0, 0]}
    adv = values(figure(s, base, prog["id"], "activity_advisers"))
    assert adv["in_post"] == [1] and adv["granted"] == [sum(prog["grants"].values())]
    q = {"programme": prog["id"], "du": PERIOD["from"], "au": PERIOD["to"]}
    rows = list(csv.reader(io.StringIO(
        s.get(base + "/pilotage/money_summary/export.csv", params=q).content.decode("utf-8-sig")), delimiter=";"))
    assert [r[:2] for r in rows[1:]] == [["Engagé (échéances de la période)", "1867"], ["Versé", "1367"],
                                         ["Reste à verser", "500"], ["Ordres de reversement émis", "123"],
                                         ["Reversements encaissés", "0"]]
    # A regional officer of 84: 84's lines and envelope, 84's activity.
    r = sessions["regional"]
    assert values(figure(r, base, prog["id"], "money_summary")) == {
        "committed": [1367], "paid": [1367], "to_pay": [0], "recovered": [0], "repaid": [0]}
    assert values(figure(r, base, prog["id"], "money_envelopes")) == {
        "commitments": [3000, 1367, 45.6], "payments": [2000, 1367, 68.4]}
    assert values(figure(r, base, prog["id"], "activity_sessions")) == {
        "individuel": [0, 0], "collectif": [2, 12], "ponctuel": [0, 0]}
    page = text(s.get(base + "/pilotage", params=q))
    assert "Financement" in page and "Activité des conseillers" in page
    # A long label is cut in the chart (an ellipsis), whole in the table beside it.
    assert ">Critères du dispositif remplis (…</text>" in page
    assert '<th scope="row">Critères du dispositif remplis (sans voie particulière)</th>' in page


def test_an_employer_sees_its_own_figures(base, sessions, prog):
    s = sessions["employer"]
    org = sql_int(f"SELECT m.organisation_id FROM memberships m JOIN people p ON p.id = m.person_id WHERE p.email = "
                  f"'{DEMO_ACCOUNTS['employer']}' AND m.role = 'employer'")
    granted = sql_int(f"SELECT COALESCE(SUM(posts_granted), 0) FROM dossiers WHERE programme_id = {prog['id']} AND "
                      f"state = 'validated' AND organisation_id = {org}")
    v = values(figure(s, base, prog["id"], "posts_summary"))
    assert v["granted"] == [granted] and v["target"] == [0]


def pdftotext(data):
    r = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, timeout=60)
    assert r.returncode == 0
    return r.stdout.decode("utf-8")


def test_the_annual_report_same_bytes_journal_and_text(base, sessions, prog, workdir):
    s = sessions["national"]
    csrf = csrf_from(s.get(base + "/pilotage/bilans").text)
    ids = []
    for _ in range(2):
        r = s.post(base + "/api/v1/steering/reports", json={"programme_id": prog["id"], "year": YEAR},
                   headers={"X-CSRF-Token": csrf})
        assert r.status_code == 201, r.text
        ids.append(r.json())
    a, b = (s.get(base + f"/api/v1/steering/reports/{x['id']}/pdf") for x in ids)
    assert a.status_code == 200 and a.headers["content-type"] == "application/pdf"
    assert a.content == b.content and ids[0]["sha256"] == ids[1]["sha256"]
    import hashlib
    assert hashlib.sha256(a.content).hexdigest() == ids[0]["sha256"] == a.headers["x-content-sha256"]
    detail = json.loads(sql(f"SELECT detail FROM journal WHERE entity = 'annual_report' AND entity_id = {ids[0]['id']}"))
    assert detail["sha256"] == ids[0]["sha256"]
    # The PDF says what the API says.
    v = values(figure(s, base, prog["id"], "posts_summary"))
    words = " ".join(pdftotext(a.content).split())
    fmt = lambda n: f"{n:,}".replace(",", "\u202f")
    assert f"« {fmt(v['filled'][0])} postes pourvus sur {fmt(v['target'][0])}, soit" in words
    assert f"{fmt(v['granted'][0])} postes accordés au 31 décembre {YEAR}" in words
    assert "Notes de méthode" in words and "Postes par région" in words
    # From the page: the form produces a version, listed with its link.
    r = s.post(base + "/pilotage/bilans", data={"csrf": csrf, "programme": prog["id"], "year": YEAR, "region": ""},
               allow_redirects=False)
    assert r.status_code == 303
    page = text(s.get(base + r.headers["location"]))
    assert ids[0]["sha256"] in page and "/pilotage/bilans/" in page
    newest = s.get(base + "/api/v1/steering/reports", params={"programme": prog["id"]}).json()["items"][0]
    assert s.get(base + f"/pilotage/bilans/{newest['id']}/pdf").content == a.content
    # By command, the same bytes, and one more version.
    path = os.path.join(workdir, "bilan.pdf")
    out = run_cli("report", "annual", "--programme", str(prog["id"]), "--year", str(YEAR), "--output", path)
    assert out.returncode == 0, out.stderr
    assert ids[0]["sha256"] in out.stderr
    with open(path, "rb") as f:
        assert f.read() == a.content
    bad = run_cli("report", "annual", "--programme", str(prog["id"]), "--year", "1900")
    assert bad.returncode == 1 and "Année" in bad.stderr


def test_open_data(base, prog):
    anon = requests.Session()
    page = text(anon.get(base + "/donnees"))
    assert "Licence Ouverte 2.0" in page and "inférieure à 5" in page
    today = paris_today().isoformat()
    r = anon.get(base + f"/donnees/lieux-{today}.csv")
    assert r.status_code == 200 and f"lieux-{today}.csv" in r.headers["content-disposition"]
    assert anon.get(base + "/donnees/lieux-2000-01-01.csv").status_code == 404
    cat = anon.get(base + "/donnees/catalogue.jsonld").json()
    assert cat["@type"] == "dcat:Catalog" and "etalab" in cat["dct:license"]
    urls = [d["dcat:downloadURL"] for ds in cat["dcat:dataset"] for d in ds["dcat:distribution"]]
    assert any(u.endswith("/donnees/agregats.csv") for u in urls)
    schema = anon.get(base + "/donnees/agregats.schema.json").json()
    names = [f["name"] for f in schema["fields"]]
    r = anon.get(base + "/donnees/agregats.csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows and list(rows[0].keys()) == names
    measures = [f["name"] for f in schema["fields"] if f["type"] == "integer" and f["name"] != "annee"]
    # No published cell under 5.
    for row in rows:
        for m in measures:
            assert row[m] == "s" or int(row[m]) >= 5, (row, m)
    # Our programme's 84 table (07: 9, 8; 26: 12, 3; 38: 2, 15): 3 and 2 are under 5, and 12 and 15 go with them
    # (else each would follow from its département's total); 9, 8 and every total stay.
    mine = [r for r in rows if r["dispositif"] == prog["code"] and r["annee"] == str(YEAR)]
    cell = {(r["region_code"], r["niveau"], r["departement_code"], r["metier_code"]): r["postes_accordes"]
            for r in mine}
    assert cell[("84", "departement_metier", "07", "anim")] == "9"
    assert cell[("84", "departement_metier", "07", "tech")] == "8"
    for dept, metier in (("26", "anim"), ("26", "tech"), ("38", "anim"), ("38", "tech")):
        assert cell[("84", "departement_metier", dept, metier)] == "s"
    assert cell[("84", "departement", "26", "")] == "15" and cell[("84", "region", "", "")] == "49"
    # Every secret cell: try to recompute it from its row's and its column's totals.
    for (prog_code, year, region) in {(r["dispositif"], r["annee"], r["region_code"]) for r in rows}:
        table = [r for r in rows if (r["dispositif"], r["annee"], r["region_code"]) == (prog_code, year, region)]
        for m in measures:
            lines = {}
            for r in table:
                d = r["departement_code"] or "TOTAL"
                j = r["metier_code"] or "TOTAL"
                lines.setdefault(("row", d), []).append(r[m])
                lines.setdefault(("col", j), []).append(r[m])
            for key, line in lines.items():
                assert line.count("s") != 1, (prog_code, year, region, m, key, line)


def test_openapi_describes_the_steering_api(base):
    doc = requests.get(base + "/api/v1/openapi.json").json()
    for path in ("/api/v1/steering/figures", "/api/v1/steering/figures/{token}", "/api/v1/steering/indicators",
                 "/api/v1/steering/reports", "/api/v1/steering/reports/{id}/pdf"):
        assert path in doc["paths"], path
    assert "programme" in {p["name"] for p in doc["paths"]["/api/v1/steering/figures"]["get"]["parameters"]}
