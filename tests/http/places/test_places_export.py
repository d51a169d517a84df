"""The public full export of places (GET /api/v1/places.{csv,json,geojson}): built once per places_version into a
cache file and streamed from it, at most server.export_concurrency at once (finding 4 of issue 11: each request built
the whole file in memory, up to 256 MiB, and copied it again; sixteen anonymous exports took the process to 1 GB)."""
import csv
import io
import os
import socket
import time

import pytest
import requests

from conftest import Server, free_port, run_cli, seeded_database, write_config

PLACES = 12000


@pytest.fixture(scope="module")
def exporter(workdir, tmp_path_factory):
    """A server of its own on a database of PLACES generated places, with a cache directory we can look into and
    room for one full export at a time."""
    db = seeded_database(workdir, "places-export")
    out = str(tmp_path_factory.mktemp("gen") / "lieux.csv")
    r = run_cli("gen", "places", str(PLACES), "--seed", "11", "--output", out, database=db, timeout=300)
    assert r.returncode == 0, r.stderr
    r = run_cli("places", "import", out, database=db, timeout=600)
    assert r.returncode == 0, r.stderr
    cache = str(tmp_path_factory.mktemp("cache"))
    port = free_port()
    config = write_config(os.path.join(workdir, f"export-{port}.ini"), port,
                          extra=f"cache_dir = {cache}\nexport_concurrency = 1\n")
    srv = Server(db, config, port, os.path.join(workdir, f"export-{port}.log"))
    srv.start()
    srv.db, srv.cache = db, cache
    yield srv
    srv.stop_checked()


def rows_of(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"), newline="")))


def cached(srv):
    return sorted(f for f in os.listdir(srv.cache) if not f.startswith("."))


def test_built_once_per_version_then_served_from_the_file(exporter, tmp_path):
    base = exporter.base
    r1 = requests.get(base + "/api/v1/places.csv")
    assert r1.status_code == 200 and r1.headers["content-type"].startswith("text/csv")
    files = cached(exporter)
    assert len(files) == 1 and files[0].endswith(".csv"), files
    built = os.stat(os.path.join(exporter.cache, files[0])).st_mtime_ns
    r2 = requests.get(base + "/api/v1/places.csv")
    assert r2.content == r1.content
    assert os.stat(os.path.join(exporter.cache, files[0])).st_mtime_ns == built  # not built again
    # The file is the response: the same validator while it has not changed.
    assert r2.headers.get("etag") and r2.headers["etag"] == r1.headers.get("etag")
    # A client that holds it is told so, without the file: 304 with the same ETag; another validator gets it.
    r3 = requests.get(base + "/api/v1/places.csv", headers={"If-None-Match": r1.headers["etag"]})
    assert r3.status_code == 304 and r3.content == b"" and r3.headers.get("etag") == r1.headers["etag"]
    r3 = requests.get(base + "/api/v1/places.csv", headers={"If-None-Match": '"0-0", ' + r1.headers["etag"]})
    assert r3.status_code == 304
    r3 = requests.get(base + "/api/v1/places.csv", headers={"If-None-Match": '"0-0"'})
    assert r3.status_code == 200 and r3.content == r1.content
    # Each format has its file.
    assert requests.get(base + "/api/v1/places.json").json()[0]["id"]
    assert len(cached(exporter)) == 2

    # A change of the directory makes a new version: the next export has it, and the old file goes.
    rows = rows_of(r1)
    assert len(rows) == PLACES + 1
    added = list(rows[1])
    added[0] = "export-nouveau-lieu"
    src = tmp_path / "un.csv"
    with open(src, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows([rows[0], added])
    r = run_cli("places", "import", str(src), database=exporter.db, timeout=120)
    assert r.returncode == 0, r.stderr
    r4 = requests.get(base + "/api/v1/places.csv")
    assert r4.status_code == 200
    rows = rows_of(r4)
    assert len(rows) == PLACES + 2 and "export-nouveau-lieu" in [row[0] for row in rows]
    files = cached(exporter)
    assert len(files) == 2, files  # the new CSV, and the JSON of the old version (replaced on its next request)
    assert files[0].split(".")[0] != files[1].split(".")[0]


def test_over_the_limit_is_503_with_retry_after_in_french(exporter):
    base = exporter.base
    assert requests.get(base + "/api/v1/places.geojson").status_code == 200  # built beforehand
    # A client that stops reading holds its export open...
    slow = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.connect(("127.0.0.1", exporter.port))
    slow.sendall(b"GET /api/v1/places.geojson HTTP/1.1\r\nHost: x\r\n\r\n")
    assert slow.recv(1024).startswith(b"HTTP/1.1 200")
    try:
        # ... so that the next one is told to come back later, in French, without anything built.
        r = requests.get(base + "/api/v1/places.csv", timeout=10)
        assert r.status_code == 503, r.status_code
        assert int(r.headers["retry-after"]) > 0
        assert r.headers["content-type"].startswith("application/problem+json")
        assert "réessayez" in r.json()["detail"]
        # Other routes go on.
        assert requests.get(base + "/healthz", timeout=5).status_code == 200
    finally:
        slow.close()
    # The slot is given back when the client goes away.
    deadline = time.monotonic() + 10
    while True:
        r = requests.get(base + "/api/v1/places.csv", timeout=30)
        if r.status_code == 200:
            break
        assert time.monotonic() < deadline, "the export slot was not given back"
        time.sleep(0.2)
