"""`tremplin places geocode`: the places whose coordinates are approximate (their commune's) or missing go to the
address geocoder's CSV endpoint (a fake of api-adresse.data.gouv.fr's /search/csv/ here, in a thread); the results
scored at least [geocoder] min_score % become the places' own coordinates, journaled, and the others stay as they
were. Never the real API: the tests give the fake's address."""
import csv
import email.parser
import email.policy
import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import run_cli, seeded_database, sql, unique, write_config

COLUMNS = ["id", "pivot", "nom", "commune", "code_postal", "code_insee", "adresse", "latitude", "longitude",
           "date_maj"]


class FakeBAN:
    """Answers POST /search/csv/ as the address API does: the CSV sent, with latitude, longitude and result_score
    added. The answer for a place depends on its id: "good" found (score 0.93), "low" found but unsure (0.41),
    anything else not found (empty columns). MODE "error" answers 500, "html" a page that is not a CSV."""

    def __init__(self):
        self.requests = []
        self.mode = "ok"
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["content-length"]))
                msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                    b"Content-Type: " + self.headers["content-type"].encode() + b"\r\n\r\n" + body)
                fields, data = {}, None
                for part in msg.iter_parts():
                    name = part.get_param("name", header="content-disposition")
                    if name == "data":
                        data = part.get_payload(decode=True).decode("utf-8")
                        fields["filename"] = part.get_filename()
                    else:
                        fields.setdefault(name, []).append(part.get_payload(decode=True).decode("utf-8"))
                rows = list(csv.DictReader(io.StringIO(data)))
                fake.requests.append({"path": self.path, "fields": fields, "rows": [dict(r) for r in rows]})
                if fake.mode == "error":
                    self.send_response(500)
                    self.end_headers()
                    return
                out = io.StringIO()
                if fake.mode == "html":
                    out.write("<html><body>Service indisponible</body></html>")
                else:
                    w = csv.DictWriter(out, fieldnames=list(rows[0].keys() if rows else ["id"]) +
                                       ["latitude", "longitude", "result_score"], lineterminator="\r\n")
                    w.writeheader()
                    for i, r in enumerate(rows):
                        if "good" in r["id"]:
                            r.update(latitude=f"{49.2 + i / 1000:.6f}", longitude=f"{4.03 + i / 1000:.6f}",
                                     result_score="0.93")
                        elif "low" in r["id"]:
                            r.update(latitude="49.3", longitude="4.1", result_score="0.41")
                        else:
                            r.update(latitude="", longitude="", result_score="")
                        w.writerow(r)
                payload = out.getvalue().encode("utf-8")
                self.send_response(200)
                self.send_header("content-type", "text/csv; charset=utf-8")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/search/csv/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def ban():
    fake = FakeBAN()
    yield fake
    fake.close()


@pytest.fixture(scope="module")
def geo_db(workdir):
    """A database of these tests alone, with the reference data (the communes give approximate coordinates)."""
    return seeded_database(workdir, "geocode")


def import_places(tmp_path, db, rows):
    path = tmp_path / (unique("geo") + ".csv")
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS, quoting=csv.QUOTE_ALL, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({"pivot": "43493312300029", "nom": "Lieu " + r["id"], "commune": "Reims",
                        "code_postal": "51100", "code_insee": "51454", "adresse": "12 rue de Vesle",
                        "date_maj": "2024-04-02", **r})
    r = run_cli("places", "import", str(path), database=db)
    assert r.returncode == 0, r.stderr


def geocode(tmp_path, db, url, *args, min_score=None):
    extra = f"[geocoder]\nurl = {url}\n" + (f"min_score = {min_score}\n" if min_score is not None else "")
    config = write_config(str(tmp_path / (unique("geo") + ".ini")), 8080, extra=extra)
    return run_cli("places", "geocode", *args, config=config, database=db)


def test_geocode_keeps_the_results_scored_high_enough(tmp_path, geo_db, ban):
    tag = unique("")
    good, low, none = f"{tag}-good", f"{tag}-low", f"{tag}-none"
    fixed, nowhere = f"{tag}-fixed", f"{tag}-good-nowhere"
    import_places(tmp_path, geo_db, [
        {"id": good}, {"id": low}, {"id": none},
        {"id": fixed, "latitude": "49.25", "longitude": "4.02"},
        # An unknown commune: no coordinates at all, sent too.
        {"id": nowhere, "commune": "Nulle-Part", "code_postal": "99999", "code_insee": ""},
    ])
    version = int(sql("SELECT value FROM settings WHERE key = 'places_version'", database=geo_db))
    ban.requests.clear()
    r = geocode(tmp_path, geo_db, ban.url)
    assert r.returncode == 0, r.stderr
    assert "4 lieux envoyés, 2 localisés, 2 inchangés" in r.stdout
    # What went to the geocoder: the approximate and missing places, the query columns and the filters.
    req = ban.requests[-1]
    assert req["path"] == "/search/csv/" and req["fields"]["filename"] == "lieux.csv"
    assert req["fields"]["columns"] == ["adresse", "commune"]
    assert req["fields"]["postcode"] == ["code_postal"] and req["fields"]["citycode"] == ["code_insee"]
    assert set(req["fields"]["result_columns"]) == {"latitude", "longitude", "result_score"}
    sent = {row["id"]: row for row in req["rows"]}
    assert set(sent) == {good, low, none, nowhere}
    assert sent[good] == {"id": good, "adresse": "12 rue de Vesle", "code_postal": "51100", "code_insee": "51454",
                          "commune": "Reims"}
    # Found: its own coordinates now, exported, date_maj today, journaled with before and after.
    row = sql(f"SELECT coords_approx, latitude, longitude, date_maj FROM places WHERE id = '{good}'", database=geo_db)
    approx, lat, lon, date_maj = row.split("|")
    assert approx == "0" and abs(float(lat) - 49.2) < 0.01 and abs(float(lon) - 4.03) < 0.01
    assert date_maj != "2024-04-02"
    assert sql(f"SELECT coords_approx, departement_code FROM places WHERE id = '{nowhere}'", database=geo_db) == "0|"
    detail = json.loads(sql(f"SELECT detail FROM journal WHERE entity = 'place' AND entity_key = '{good}' "
                            "AND action = 'geocode'", database=geo_db))
    assert detail["before"]["latitude"] == "" and float(detail["after"]["latitude"]) == float(lat)
    exported = run_cli("places", "export", "--format", "json", database=geo_db)
    items = {o["id"]: o for o in json.loads(exported.stdout)}
    assert items[good]["latitude"] == float(lat) and items[low]["latitude"] is None
    # Unsure, not found, or with coordinates of its own: as it was.
    assert sql(f"SELECT coords_approx FROM places WHERE id IN ('{low}', '{none}')", database=geo_db) == "1\n1"
    assert sql(f"SELECT latitude, coords_approx FROM places WHERE id = '{fixed}'", database=geo_db) == "49.25|0"
    assert int(sql("SELECT value FROM settings WHERE key = 'places_version'", database=geo_db)) == version + 1
    assert run_cli("journal", "verify", database=geo_db).returncode == 0

    # Again: only what is still approximate goes, and nothing more is found.
    r = geocode(tmp_path, geo_db, ban.url)
    assert r.returncode == 0, r.stderr
    assert {row["id"] for row in ban.requests[-1]["rows"]} >= {low, none}
    assert good not in {row["id"] for row in ban.requests[-1]["rows"]}
    assert " 0 localisés" in r.stdout

    # A lower threshold keeps the unsure one; --limit caps what is sent.
    r = geocode(tmp_path, geo_db, ban.url, "--limit", "1", min_score=40)
    assert r.returncode == 0, r.stderr
    assert "1 lieux envoyés" in r.stdout and len(ban.requests[-1]["rows"]) == 1
    r = geocode(tmp_path, geo_db, ban.url, min_score=40)
    assert sql(f"SELECT coords_approx, latitude FROM places WHERE id = '{low}'", database=geo_db) == "0|49.3"


@pytest.mark.parametrize("mode,message", [("error", "HTTP 500"), ("html", "CSV attendu")])
def test_geocoder_failure_changes_nothing(tmp_path, geo_db, ban, mode, message):
    pid = unique("") + "-good"
    import_places(tmp_path, geo_db, [{"id": pid}])
    ban.mode = mode
    try:
        r = geocode(tmp_path, geo_db, ban.url)
    finally:
        ban.mode = "ok"
    assert r.returncode == 1
    assert message in r.stderr
    assert sql(f"SELECT coords_approx FROM places WHERE id = '{pid}'", database=geo_db) == "1"


def test_geocoder_unreachable(tmp_path, geo_db):
    r = geocode(tmp_path, geo_db, "http://127.0.0.1:9/search/csv/")
    assert r.returncode == 1 and "Le géocodeur n'a pas répondu" in r.stderr


def test_geocode_without_a_geocoder_is_a_usage_error(geo_db):
    r = run_cli("places", "geocode", database=geo_db)
    assert r.returncode == 2 and "geocoder" in r.stderr
