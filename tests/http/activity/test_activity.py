"""Activity reports: the entry form (keyboard only, no script), the bulk API (all or nothing, idempotent, lines named,
two ingestions of one batch at once store it once), the export with a cursor and its tombstones, CSV out and back,
who sees what, statistics read from the rollups (percentages summing to 100, CSV and XLSX), the vocabularies national
officers edit, the advisers without a report, and `tremplin activity verify`."""
import datetime
import json
import threading
import time

import pytest
import requests

from conftest import DEMO_ACCOUNTS, csrf_from, page_csrf, paris_today, run_cli, sql, sql_int, text, unique

TODAY = paris_today()


def day(n):
    return (TODAY - datetime.timedelta(days=n)).isoformat()


def report(source_id=None, **over):
    r = {"session_on": day(3), "type": "individuel", "place_kind": "domicile", "commune_code": "26362",
         "duration_min": 45, "participants": 2, "already": 1, "genders": {"feminin": 1, "masculin": 1},
         "ages": {"25_39": 1, "non_communique": 1}, "themes": ["email", "sante"], "equipment": ["ordinateur"],
         "autonomy": "autonome"}
    if source_id:
        r["source_id"] = source_id
    r.update(over)
    return r


def ndjson(lines):
    return "".join(json.dumps(x) + "\n" for x in lines).encode()


class Client:
    """A signed-in session speaking to the API with its CSRF token."""

    def __init__(self, base, session):
        self.base, self.s = base, session
        self.csrf = page_csrf(session, base)

    def get(self, path, **kw):
        return self.s.get(self.base + path, **kw)

    def post(self, path, **kw):
        kw.setdefault("headers", {})["X-CSRF-Token"] = self.csrf
        return self.s.post(self.base + path, **kw)

    def patch(self, path, **kw):
        kw.setdefault("headers", {})["X-CSRF-Token"] = self.csrf
        return self.s.patch(self.base + path, **kw)

    def delete(self, path, **kw):
        kw.setdefault("headers", {})["X-CSRF-Token"] = self.csrf
        return self.s.delete(self.base + path, **kw)

    def batch(self, lines, partial=False, raw=None):
        return self.post("/api/v1/activity/batches" + ("?partial=1" if partial else ""),
                         data=raw if raw is not None else ndjson(lines),
                         headers={"Content-Type": "application/x-ndjson"})


@pytest.fixture(scope="module")
def adviser(base, sessions):
    """The demo recruit (a contract with the demo structure): an adviser."""
    return Client(base, sessions["candidate"])


@pytest.fixture(scope="module")
def mediator(base, sessions):
    """The demo structure's staff member, declared a mediator of their structure: an adviser too."""
    c = Client(base, sessions["employer"])
    org = sql_int("SELECT organisation_id FROM memberships m JOIN people p ON p.id = m.person_id "
                  f"WHERE p.email = '{DEMO_ACCOUNTS['employer']}' AND m.role = 'employer'")
    me = sql_int(f"SELECT id FROM people WHERE email = '{DEMO_ACCOUNTS['employer']}'")
    r = c.post(f"/api/v1/organisations/{org}/mediators", json={"person_id": me, "mediator": True})
    assert r.status_code == 200, r.text
    return c


def count_source(prefix):
    return sql_int(f"SELECT COUNT(*) FROM activity_reports WHERE source_id LIKE '{prefix}%'")


def verify_ok():
    r = run_cli("activity", "verify")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0 difference(s)" in r.stdout


# ---------------------------------------------------------------------------------------------
# The entry form


def test_form_entry_duplicate_edit_delete(base, adviser):
    r = adviser.get("/activite/nouveau")
    assert r.status_code == 200
    html = r.text
    assert 'name="duration_min"' in html and 'value="45"' in html  # the presets
    assert "<script" not in html.split("</header>")[-1].split("<footer")[0]
    token = csrf_from(html)
    form = [("csrf", token), ("session_on", day(1)), ("type", "collectif"), ("place_kind", "autre"),
            ("commune_code", "26108"), ("duration_min", "90"), ("participants", "5"), ("already", "2"),
            ("gender_feminin", "3"), ("themes", "email"), ("themes", "logement"), ("equipment", "tablette"),
            ("workshop_title", unique("Atelier messagerie ")), ("workshop_level", "debutant"),
            ("notes", "Note privée")]
    r = adviser.s.post(base + "/activite/nouveau", data=form, allow_redirects=False)
    assert r.status_code == 303, text(r)[:2000]
    title = dict(form)["workshop_title"]
    rid = sql_int(f"SELECT id FROM activity_reports WHERE workshop_title = '{title}'")
    genders = sql(f"SELECT genders FROM activity_reports WHERE id = {rid}")
    themes = sql(f"SELECT themes FROM activity_reports WHERE id = {rid}")
    duration = sql(f"SELECT duration_min FROM activity_reports WHERE id = {rid}")
    # What was left blank is « non communiqué »: 3 women given, 2 not given.
    assert genders == "feminin:3|non_communique:2"
    assert themes == "email|logement" and duration == "90"
    r = adviser.get("/activite")
    assert r.status_code == 200 and title not in r.text or "Atelier collectif" in r.text
    # Duplicate the last one in one click: the form comes back filled in.
    r = adviser.get("/activite/nouveau?dupliquer=1")
    assert r.status_code == 200 and title in r.text
    # A bad value: the form comes back with the field named, nothing written.
    bad = [(k, v) for k, v in form if k != "participants"] + [("participants", "500")]
    before = sql_int("SELECT COUNT(*) FROM activity_reports")
    r = adviser.s.post(base + "/activite/nouveau", data=bad, allow_redirects=False)
    assert r.status_code == 422
    assert "Nombre de participants" in r.text and 'href="#participants"' in r.text
    assert sql_int("SELECT COUNT(*) FROM activity_reports") == before
    # Edit then delete within the window.
    r = adviser.get(f"/activite/{rid}/modifier")
    assert r.status_code == 200
    edit = [(k, v) for k, v in form if k not in ("duration_min",)] + [("duration_other", "100"), ("version", "1")]
    r = adviser.s.post(base + f"/activite/{rid}/modifier", data=edit, allow_redirects=False)
    assert r.status_code == 303, text(r)[:2000]
    assert sql(f"SELECT duration_min, version FROM activity_reports WHERE id = {rid}") == "100|2"
    r = adviser.s.post(base + f"/activite/{rid}/supprimer", data={"csrf": token, "version": "2"}, allow_redirects=False)
    assert r.status_code == 303
    assert sql(f"SELECT deleted_at IS NOT NULL FROM activity_reports WHERE id = {rid}") in ("1", "t")
    verify_ok()


def test_form_place_picked_by_its_name(base, adviser):
    """The employer's places are suggested; the place typed by its « Nom — Commune » is stored by its id."""
    place = "demo-ateliers-numeriques-crest"
    label = sql(f"SELECT nom || ' — ' || commune FROM places WHERE id = '{place}'")
    r = adviser.get("/activite/nouveau")
    assert f'<option value="{label}"></option>' in text(r)
    title = unique("Atelier au lieu ")
    form = [("csrf", csrf_from(r.text)), ("session_on", day(1)), ("type", "collectif"),
            ("place_kind", "lieu_activite"), ("place_id", label), ("duration_min", "60"), ("participants", "3"),
            ("themes", "email"), ("workshop_title", title)]
    r = adviser.s.post(base + "/activite/nouveau", data=form, allow_redirects=False)
    assert r.status_code == 303, text(r)[:2000]
    assert sql(f"SELECT place_id, commune_code FROM activity_reports WHERE workshop_title = '{title}'") == \
        f"{place}|26108"


def test_edit_window_is_data(adviser, sessions, base):
    national = Client(base, sessions["national"])
    r = adviser.post("/api/v1/activity/reports", json=report(session_on=day(20)))
    assert r.status_code == 201, r.text
    rid, version = r.json()["id"], r.json()["version"]
    assert r.json()["can_edit"] is True
    assert national.patch("/api/v1/activity/settings", json={"edit_window_days": 10}).status_code == 200
    try:
        r = adviser.patch(f"/api/v1/activity/reports/{rid}", json={"version": version, "participants": 3,
                                                                   "genders": {}, "ages": {}, "statuses": {}})
        assert r.status_code == 403, r.text
        assert "10 jours" in r.json()["detail"]
    finally:
        assert national.patch("/api/v1/activity/settings", json={"edit_window_days": 90}).status_code == 200
    r = adviser.patch(f"/api/v1/activity/reports/{rid}", json={"version": version, "participants": 3, "genders": {},
                                                               "ages": {}, "statuses": {}})
    assert r.status_code == 200, r.text
    assert r.json()["participants"] == 3


# ---------------------------------------------------------------------------------------------
# The bulk API


def test_batch_with_one_bad_line_writes_nothing_and_names_it(adviser):
    tag = unique("bad-")
    lines = [report(f"{tag}-1"), report(f"{tag}-2", already=5), report(f"{tag}-3")]
    before = sql_int("SELECT COUNT(*) FROM activity_batches")
    r = adviser.batch(lines)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    p = r.json()
    assert p["rejected"] == 1 and p["inserted"] == 0
    assert [(e["line"], e["field"]) for e in p["errors"]] == [(2, "already")]
    assert "participants" in p["errors"][0]["message"]
    assert count_source(tag) == 0
    assert sql_int("SELECT COUNT(*) FROM activity_batches") == before
    # Unless asked otherwise: with partial=1 the good lines go in, the bad one is still named.
    r = adviser.batch(lines, partial=True)
    assert r.status_code == 200, r.text
    assert r.json()["inserted"] == 2 and r.json()["errors"][0]["line"] == 2
    assert count_source(tag) == 2


@pytest.mark.parametrize("over, field", [
    ({"duration_min": 481}, "duration_min"),
    ({"session_on": (TODAY + datetime.timedelta(days=2)).isoformat()}, "session_on"),
    ({"session_on": "2010-01-01"}, "session_on"),
    ({"genders": {"feminin": 1}}, "genders"),
    ({"themes": ["inconnu"]}, "themes"),
    ({"participants": 0}, "participants"),
])
def test_each_line_is_checked(adviser, over, field):
    r = adviser.batch([report(unique("chk-"), **over)])
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == field


def test_malformed_line_and_caps(adviser):
    r = adviser.batch(None, raw=b'{"source_id": "x"\n')
    assert r.status_code == 422
    assert r.json()["errors"][0]["line"] == 1
    r = adviser.batch(None, raw=b"\n".join([b"{}"] * 10001))
    assert r.status_code == 413, r.text
    r = adviser.post("/api/v1/activity/batches", json=report("j"))
    assert r.status_code == 415


def test_same_batch_twice_changes_nothing(adviser):
    tag = unique("twice-")
    lines = [report(f"{tag}-{i}", session_on=day(i % 20)) for i in range(40)]
    r1 = adviser.batch(lines)
    assert r1.status_code == 200, r1.text
    assert r1.json()["inserted"] == 40
    rollup = sql("SELECT SUM(reports), SUM(participants) FROM activity_rollup")
    r2 = adviser.batch(lines)
    assert r2.status_code == 200
    assert r2.json()["inserted"] == 0 and r2.json()["unchanged"] == 40
    assert r1.json()["sha256"] == r2.json()["sha256"]
    assert sql("SELECT SUM(reports), SUM(participants) FROM activity_rollup") == rollup
    assert count_source(tag) == 40
    # Each batch is one journal entry carrying the SHA-256 of its content.
    assert sql_int("SELECT COUNT(*) FROM journal WHERE entity = 'activity_batch' AND detail LIKE "
                   f"'%{r1.json()['sha256']}%'") == 2
    verify_ok()


def test_two_ingestions_of_one_batch_at_once_store_it_once(base, sessions):
    tag = unique("race-")
    lines = [report(f"{tag}-{i}", session_on=day(i % 30)) for i in range(300)]
    body = ndjson(lines)
    clients = [Client(base, sessions["candidate"]) for _ in range(2)]
    results = [None, None]
    start = threading.Barrier(2)

    def send(i):
        start.wait()
        results[i] = clients[i].batch(None, raw=body)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r.status_code == 200 for r in results), [r.text[:300] for r in results]
    assert sorted(r.json()["inserted"] for r in results) in ([0, 300], )
    assert count_source(tag) == 300
    verify_ok()


# ---------------------------------------------------------------------------------------------
# Who sees what, the export and its tombstones


def test_an_adviser_never_sees_another_s_reports(adviser, mediator):
    r = mediator.post("/api/v1/activity/reports", json=report(workshop_title="privé"))
    assert r.status_code == 201, r.text
    theirs = r.json()["id"]
    assert adviser.get(f"/api/v1/activity/reports/{theirs}").status_code == 404
    mine = adviser.get("/api/v1/activity/reports?per_page=10000").json()["items"]
    assert theirs not in [x["id"] for x in mine]
    me = sql_int(f"SELECT id FROM people WHERE email = '{DEMO_ACCOUNTS['candidate']}'")
    assert all(x["adviser_id"] == me for x in mine)
    changes = adviser.get("/api/v1/activity/changes?limit=10000").json()["items"]
    assert theirs not in [x["id"] for x in changes]
    # The structure sees its advisers' reports; notes are the adviser's only.
    r = mediator.post("/api/v1/activity/reports", json=report(notes="secret"))
    assert r.json()["notes"] == "secret"
    rid = adviser.post("/api/v1/activity/reports", json=report(notes="à moi")).json()["id"]
    seen = mediator.get(f"/api/v1/activity/reports/{rid}")
    assert seen.status_code == 200 and "notes" not in seen.json()


def wait_for_change(client, rid, cursor=""):
    """The changes after CURSOR until report RID shows (the export leaves the current second for the next call)."""
    for _ in range(50):
        out = client.get(f"/api/v1/activity/changes?cursor={cursor}&limit=10000").json()
        hit = [x for x in out["items"] if x["id"] == rid]
        if hit:
            return hit[-1], out["next_cursor"]
        time.sleep(0.1)
    raise AssertionError(f"report {rid} never came in the changes")


def test_deleted_report_leaves_the_figures_and_comes_back_as_tombstone(adviser):
    me = sql_int(f"SELECT id FROM people WHERE email = '{DEMO_ACCOUNTS['candidate']}'")
    q = f"/api/v1/activity/stats?level=adviser&id={me}&from={day(60)}&to={day(0)}"
    before = adviser.get(q).json()["periods"]["current"]
    r = adviser.post("/api/v1/activity/reports", json=report(session_on=day(2), participants=4, already=0,
                                                             genders={}, ages={}))
    assert r.status_code == 201
    rid, version = r.json()["id"], r.json()["version"]
    during = adviser.get(q).json()["periods"]["current"]
    assert during["sessions"] == before["sessions"] + 1
    assert during["accompaniments"] == before["accompaniments"] + 4
    item, cursor = wait_for_change(adviser, rid)
    assert item.get("deleted") is None and "notes" not in item
    assert adviser.delete(f"/api/v1/activity/reports/{rid}?version={version}").status_code == 204
    after = adviser.get(q).json()["periods"]["current"]
    assert after == before
    tomb, _ = wait_for_change(adviser, rid, cursor)
    assert tomb["deleted"] is True and tomb["id"] == rid
    assert adviser.get(f"/api/v1/activity/reports/{rid}").json()["deleted_at"] is not None
    verify_ok()


def test_csv_out_and_back(adviser):
    r = adviser.get("/api/v1/activity/reports.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    body = r.content.decode("utf-8-sig")
    assert body.splitlines()[0].startswith("source_id,session_on,type")
    assert "Note privée" not in body and "à moi" not in body  # notes never exported
    n = len(body.strip().splitlines()) - 1
    r1 = adviser.post("/api/v1/activity/reports.csv", data=body.encode(), headers={"Content-Type": "text/csv"})
    assert r1.status_code == 200, r1.text
    assert r1.json()["lines"] >= n
    r2 = adviser.post("/api/v1/activity/reports.csv", data=body.encode(), headers={"Content-Type": "text/csv"})
    assert r2.json()["inserted"] == 0 and r2.json()["unchanged"] == r1.json()["inserted"] + r1.json()["unchanged"]
    verify_ok()


# ---------------------------------------------------------------------------------------------
# Statistics


def test_statistics_from_the_rollups(base, sessions, adviser):
    national = Client(base, sessions["national"])
    r = national.get(f"/api/v1/activity/stats?from={day(90)}&to={day(0)}&curve=week")
    assert r.status_code == 200, r.text
    s = r.json()
    raw = sql_int(f"SELECT COUNT(*) FROM activity_reports WHERE deleted_at IS NULL AND session_on >= '{day(90)}'")
    assert s["periods"]["current"]["sessions"] == raw
    for share in s["shares"]:
        if share["total"]:
            assert sum(i["pct"] for i in share["items"]) == 100, share
    assert "30 derniers jours" in s["active_definition"]
    assert s["advisers"]["active"] >= 1
    assert {p["bucket"] for p in s["curve"]}  # weeks
    assert s["territories"]["level"] == "region" and any(t["code"] == "84" for t in s["territories"]["items"])
    # Région and département, either side.
    for q in ("level=region&code=84", "level=departement&code=26&side=employer"):
        assert national.get("/api/v1/activity/stats?" + q).status_code == 200
    bad = national.get("/api/v1/activity/stats?level=region&code=zz&from=2026-13-01")
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} >= {"from"}
    # The page: figures, the curve as SVG with its table, shares, CSV and XLSX of what is shown.
    page = national.get(f"/activite/statistiques?du={day(90)}&au={day(0)}")
    assert page.status_code == 200
    assert "<svg" in page.text and "<caption>Séances et participants par période</caption>" in page.text
    assert "30 derniers jours" in page.text and "grille harmonisée" in page.text
    csv = national.get(f"/activite/statistiques?du={day(90)}&au={day(0)}&format=csv")
    assert csv.status_code == 200 and "Séances" in csv.content.decode("utf-8-sig")
    xlsx = national.get(f"/activite/statistiques?du={day(90)}&au={day(0)}&format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    # An adviser's own national figures are their own.
    mine = adviser.get(f"/api/v1/activity/stats?from={day(90)}&to={day(0)}").json()
    me = sql_int(f"SELECT id FROM people WHERE email = '{DEMO_ACCOUNTS['candidate']}'")
    assert mine["periods"]["current"]["sessions"] == sql_int(
        f"SELECT COUNT(*) FROM activity_reports WHERE deleted_at IS NULL AND adviser_id = {me} "
        f"AND session_on >= '{day(90)}'")


def test_pages_for_every_reader(base, sessions):
    for role in ("candidate", "employer", "pole", "regional", "national", "viewer", "admin"):
        s = sessions[role]
        for path in ("/activite", "/activite/statistiques", "/activite/vocabulaires"):
            r = s.get(base + path)
            assert r.status_code == 200, (role, path, r.status_code)
    for role in ("employer", "pole", "national"):
        assert sessions[role].get(base + "/activite/relances").status_code == 200
    assert sessions["prescriber"].get(base + "/activite").status_code == 403


# ---------------------------------------------------------------------------------------------
# Vocabularies as data


def test_vocabularies_are_data(base, sessions, adviser):
    national = Client(base, sessions["national"])
    code = unique("t_").lower().replace("-", "_")
    r = national.post(f"/api/v1/activity/vocabularies/theme/{code}", json={"label": "Thème d'essai", "grp": "numerique"})
    assert r.status_code == 405  # PUT, not POST
    r = national.s.put(base + f"/api/v1/activity/vocabularies/theme/{code}",
                       json={"label": "Thème d'essai", "grp": "numerique"}, headers={"X-CSRF-Token": national.csrf})
    assert r.status_code == 200, r.text
    r = adviser.post("/api/v1/activity/reports", json=report(themes=[code]))
    assert r.status_code == 201, r.text
    assert "Thème d'essai" in r.json()["themes_label"]
    r = national.s.put(base + f"/api/v1/activity/vocabularies/theme/{code}",
                       json={"label": "Thème renommé", "grp": "numerique"}, headers={"X-CSRF-Token": national.csrf})
    assert r.status_code == 200
    # A code in use is never deleted; it can be retired, and then later sessions may not use it.
    r = national.post(f"/api/v1/activity/vocabularies/theme/{code}/retire", json={"remove": True})
    assert r.status_code == 409, r.text
    r = national.post(f"/api/v1/activity/vocabularies/theme/{code}/retire", json={"valid_to": day(5)})
    assert r.status_code == 200
    r = adviser.post("/api/v1/activity/reports", json=report(themes=[code], session_on=day(1)))
    assert r.status_code == 422 and "n'est pas en vigueur" in r.json()["errors"][0]["message"]
    assert adviser.post("/api/v1/activity/reports", json=report(themes=[code], session_on=day(6))).status_code == 201
    # Not for an adviser.
    r = adviser.s.put(base + f"/api/v1/activity/vocabularies/theme/{code}", json={"label": "x"},
                      headers={"X-CSRF-Token": adviser.csrf})
    assert r.status_code == 403


def test_silent_advisers_listed(base, sessions, adviser):
    national = Client(base, sessions["national"])
    r = national.get("/api/v1/activity/silent")
    assert r.status_code == 200
    me = sql_int(f"SELECT id FROM people WHERE email = '{DEMO_ACCOUNTS['candidate']}'")
    # The demo recruit has reported in the last 30 days: not listed.
    assert me not in [x["id"] for x in r.json()]
    assert adviser.get("/api/v1/activity/silent").status_code == 403
