"""Faults (issue 17, item 2): PostgreSQL restarted under load. A server of its own on a PostgreSQL cluster of its own
(tests/pg.sh, whatever the engine of the run) takes writes from four writers; the cluster is stopped, then started
again. Meanwhile the server answers 503 (never 500, never a hang), and its health says so; afterwards it has
reconnected by itself (db_pg.c resets a lost connection before the next statement) and every acknowledged write is
there, with its journal entry, nothing half-written."""
import os
import shutil
import subprocess
import tempfile
import threading
import time

import requests

from conftest import Server, free_port, journal_verify, run_cli, unique, write_config

ROOT_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
PG_SH = os.path.join(ROOT_DIR, "tests", "pg.sh")
WRITERS = 4


def pg(*args):
    r = subprocess.run([PG_SH, *args], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def place(tag):
    return {"pivot": "43493312300029", "nom": f"Lieu {tag}", "commune": "Reims", "code_postal": "51100",
            "code_insee": "51454", "adresse": f"{tag} rue de Vesle"}


def writer(base, token, acked, statuses, lock, stop):
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {token}"
    while not stop.is_set():
        r = s.post(base + "/api/v1/places", json=place(unique("pg")), timeout=60)
        with lock:
            statuses.append(r.status_code)
            if r.status_code == 201:
                acked.append(r.json()["id"])


def wait_for(cond, what, server, limit=180):
    """Waits until COND() holds; a generous bound so that a broken server fails the test instead of hanging it."""
    deadline = time.monotonic() + limit
    while not cond():
        assert time.monotonic() < deadline, f"{what}\n{server.log_tail()}"
        assert server.proc.poll() is None, server.log_tail()
        time.sleep(0.05)


def psql_int(url, statement):
    r = subprocess.run(["psql", "-X", "-A", "-t", "-q", "-d", url, "-c", statement], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    return int(r.stdout.strip())


def test_postgresql_restarted_under_load(workdir):
    top = tempfile.mkdtemp(prefix="trpg-", dir="/tmp")
    os.chmod(top, 0o755)
    cluster = os.path.join(top, "pg")
    pg("start", cluster, str(free_port()))
    database = pg("createdb", cluster, "restart")
    work = os.path.join(workdir, unique("pgrestart-"))
    os.makedirs(work)
    port = free_port()
    server = Server(database, write_config(os.path.join(work, "s.ini"), port), port, os.path.join(work, "s.log"))
    threads, stop = [], threading.Event()
    try:
        server.start()
        email = f"{unique('pgr')}@exemple.fr"
        r = run_cli("user", "add", email, "--role", "admin", "--password-stdin", input="redemarrage-2026\n",
                    database=database)
        assert r.returncode == 0, r.stderr
        r = run_cli("token", "create", email, database=database)
        assert r.returncode == 0, r.stderr
        token = r.stdout.strip().split()[-1]

        acked, statuses, lock = [], [], threading.Lock()
        threads = [threading.Thread(target=writer, args=(server.base, token, acked, statuses, lock, stop))
                   for _ in range(WRITERS)]
        for t in threads:
            t.start()
        wait_for(lambda: len(acked) >= 20, "no writes acknowledged", server)
        assert all(s == 201 for s in statuses), statuses

        pg("down", cluster)
        # While it is down: the writers get 503 (counted below) and health says the database is unreachable.
        wait_for(lambda: statuses.count(503) >= 8, "no 503 while PostgreSQL is down", server)
        h = requests.get(server.base + "/healthz", timeout=30)
        assert h.status_code == 503, h.text
        during = len(acked)
        pg("up", cluster)
        wait_for(lambda: len(acked) >= during + 20, "no writes after PostgreSQL came back", server)
        stop.set()
        for t in threads:
            t.join(60)

        assert set(statuses) <= {201, 503}, sorted(set(statuses))
        assert requests.get(server.base + "/healthz", timeout=30).status_code == 200
        ids = ", ".join(f"'{i}'" for i in acked)
        assert psql_int(database, f"SELECT COUNT(*) FROM places WHERE id IN ({ids})") == len(set(acked))
        assert psql_int(database, "SELECT COUNT(*) FROM places") == psql_int(
            database, "SELECT COUNT(*) FROM journal WHERE entity = 'place' AND action = 'create'")
        v = journal_verify(database=database)
        assert v.returncode == 0, v.stdout + v.stderr
        server.stop_checked()
    finally:
        stop.set()
        for t in threads:
            t.join(60)
        if server.proc is not None:
            server.proc.kill()
            server.proc.wait()
        subprocess.run([PG_SH, "stop", cluster], capture_output=True, timeout=120)
        shutil.rmtree(top, ignore_errors=True)
