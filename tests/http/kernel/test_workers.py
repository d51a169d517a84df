"""Storage off the event loops (issue 18): the handlers that use the database run on a pool of worker threads, handed
over and back with libh2o's multithread queues; the queue is bounded (503 with Retry-After when full); each route has a
time budget enforced in the database, past which its transaction rolls back; a client that leaves before its turn
cancels its job. And dynamic HTML and JSON are gzip-compressed for the clients that accept it.

The server of this module has one event loop (every request meets on it), two workers, a queue of one and a budget of
1.5 s; GET /__test/slow (test mode only) counts to N in the database, inside a transaction that first writes a setting
when asked (`write=TAG`). These are tests of behaviour, never of speed: each one checks an order of events or a
state, with a count far beyond any budget so that the slow request is still running whatever the machine."""
import gzip
import os
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from conftest import DATABASE, Server, free_port, sql, unique, write_config

SLOW = "/__test/slow?n=1000000000"  # never finishes within the budget, on either engine
BUDGET_MS = 1500


@pytest.fixture(scope="module")
def pool_server(server, workdir):
    """A second server on the test database: one loop, two workers, a queue of one, a short budget."""
    port = free_port()
    config = write_config(os.path.join(workdir, f"workers-{port}.ini"), port,
                          extra=f"threads = 1\nworkers = 2\nqueue = 1\ndeadline_ms = {BUDGET_MS}\naccess_log = true\n")
    srv = Server(DATABASE, config, port, os.path.join(workdir, f"workers-{port}.log"))
    srv.start()
    yield srv
    srv.stop_checked()


def in_flight():
    """Leaves the requests just sent the time to reach their worker (ordering only: if the machine is so slow that
    they have not, the checks below hold all the same, they just prove less)."""
    time.sleep(0.3)


def setting_count(tag):
    return int(sql(f"SELECT COUNT(*) FROM settings WHERE key = 'test.slow.{tag}'"))


def wait_log(srv, needle, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if needle in srv.run_log():
            return
        time.sleep(0.05)
    raise AssertionError(f"{needle!r} not in the server log\n{srv.log_tail()}")


def assert_busy_problem(r):
    assert r.status_code == 503, (r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers.get("content-type")
    assert r.headers.get("retry-after", "").isdigit(), r.headers
    assert r.json()["status"] == 503 and r.json()["detail"]


def test_a_slow_request_does_not_delay_a_quick_one_on_the_same_loop(pool_server):
    base = pool_server.base
    with ThreadPoolExecutor(1) as ex:
        slow = ex.submit(requests.get, base + SLOW, timeout=60)
        in_flight()
        # The loop is free: a page that reads the database (on the other worker) and /healthz answer at once.
        page = requests.get(base + "/connexion", timeout=60)
        health = requests.get(base + "/healthz", timeout=60)
        assert not slow.done(), "the quick requests waited for the slow one"
        assert page.status_code == 200 and "Connexion" in page.text
        assert health.status_code == 200 and health.json()["status"] == "ok"
        # The slow one ends at its budget: 503, said in a problem (the route is an API one).
        r = slow.result()
    assert_busy_problem(r)
    assert "trop de temps" in r.json()["detail"]


def test_a_full_queue_answers_503_with_retry_after(pool_server):
    base = pool_server.base
    with ThreadPoolExecutor(3) as ex:
        slows = [ex.submit(requests.get, base + SLOW, timeout=60) for _ in range(3)]  # two running, one waiting
        in_flight()
        page = requests.get(base + "/connexion", timeout=60)
        api = requests.get(base + "/api/v1/regions", timeout=60)
        results = [f.result() for f in slows]
    assert page.status_code == 503, page.status_code
    assert page.headers["content-type"].startswith("text/html")
    assert 'lang="fr"' in page.text and "très sollicité" in page.text
    assert page.headers.get("retry-after", "").isdigit()
    assert_busy_problem(api)
    assert "très sollicité" in api.json()["detail"]
    assert all(r.status_code == 503 for r in results), [r.status_code for r in results]
    # Once the queue drained, the same requests are served again.
    assert requests.get(base + "/connexion", timeout=60).status_code == 200
    assert requests.get(base + "/api/v1/regions", timeout=60).status_code == 200
    assert "the queue of the workers is full" in pool_server.run_log()


def test_a_deadline_rolls_back_and_says_so(pool_server):
    base = pool_server.base
    done, cut = unique("ok"), unique("cut")
    # Within the budget the write is kept ...
    r = requests.get(base + f"/__test/slow?n=10&write={done}", timeout=60)
    assert r.status_code == 200 and r.json()["counted"] == 10
    assert setting_count(done) == 1
    # ... past it the transaction rolls back: nothing written, and the person is told.
    r = requests.get(base + SLOW + f"&write={cut}", timeout=60)
    assert_busy_problem(r)
    assert "trop de temps" in r.json()["detail"] and "rien" not in r.json()["detail"].split(":")[0]
    assert setting_count(cut) == 0
    assert "time budget of 1500 ms spent; rolled back" in pool_server.run_log()
    # The worker's connection serves the next request as usual.
    assert requests.get(base + "/healthz", timeout=60).status_code == 200


def raw_send(srv, path):
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    return s


def test_a_client_that_leaves_before_its_turn_cancels_its_job(pool_server):
    base, tag = pool_server.base, unique("gone")
    with ThreadPoolExecutor(2) as ex:
        slows = [ex.submit(requests.get, base + SLOW, timeout=60) for _ in range(2)]  # both workers busy
        in_flight()
        raw_send(pool_server, f"/__test/slow?n=10&write={tag}").close()  # queued, then gone
        [f.result() for f in slows]
    wait_log(pool_server, f"/__test/slow cancelled: the client left before its turn")
    assert setting_count(tag) == 0
    assert requests.get(base + "/healthz", timeout=60).status_code == 200


def test_a_client_that_leaves_mid_request_leaves_nothing_half_done(pool_server):
    base, tag = pool_server.base, unique("mid")
    s = raw_send(pool_server, SLOW + f"&write={tag}")
    in_flight()  # running: its setting is written, the count goes on
    s.close()
    wait_log(pool_server, "time budget of 1500 ms spent; rolled back")
    # The transaction ran to its end (here the deadline) and rolled back as a whole; the server goes on.
    deadline = time.monotonic() + 30
    while requests.get(base + "/healthz", timeout=60).status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert setting_count(tag) == 0


# ---- compression ----

def test_html_pages_are_gzip_compressed_for_clients_that_accept_it(base):
    plain = requests.get(base + "/lieux", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and len(plain.content) > 1024
    assert "content-encoding" not in plain.headers
    assert "accept-encoding" in plain.headers.get("vary", "").lower()
    r = requests.get(base + "/lieux", headers={"Accept-Encoding": "gzip"}, stream=True)
    raw = r.raw.read(decode_content=False)
    assert r.headers.get("content-encoding") == "gzip"
    assert "accept-encoding" in r.headers.get("vary", "").lower()
    assert len(raw) < len(plain.content) / 2
    html = gzip.decompress(raw).decode("utf-8")
    assert html.lower().startswith("<!doctype html>") and html.rstrip().endswith("</html>")


def test_json_is_gzip_compressed_above_one_kilobyte_only(base):
    r = requests.get(base + "/api/v1/openapi.json", headers={"Accept-Encoding": "gzip"}, stream=True)
    raw = r.raw.read(decode_content=False)
    assert r.headers.get("content-encoding") == "gzip"
    assert b'"openapi"' in gzip.decompress(raw)
    small = requests.get(base + "/healthz", headers={"Accept-Encoding": "gzip"})
    assert small.status_code == 200 and len(small.content) < 1024
    assert "content-encoding" not in small.headers
