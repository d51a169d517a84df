"""Faults (issue 17, item 2): `kill -9` of a server under write load, on the engine under test. Four writers create
places through the API; once enough writes are acknowledged the server is killed with SIGKILL mid-load; after a
restart every acknowledged place is there, nothing is half-written (each place has its journal entry, the journal's
chain verifies), and the service answers reads and writes again."""
import os
import signal
import threading

import requests

from conftest import DATABASE, ENGINE, Server, free_port, journal_verify, run_cli, sql, unique, write_config

WRITERS = 4
KILL_AFTER = 60  # acknowledged writes before the kill


def place(tag):
    return {"pivot": "43493312300029", "nom": f"Lieu {tag}", "commune": "Reims", "code_postal": "51100",
            "code_insee": "51454", "adresse": f"{tag} rue de Vesle"}


def writer(base, token, acked, lock, stop, enough, errors):
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {token}"
    while not stop.is_set():
        try:
            r = s.post(base + "/api/v1/places", json=place(unique("k")), timeout=30)
        except requests.RequestException:
            return  # the server is gone: what it did not acknowledge may or may not be there
        if r.status_code != 201:
            errors.append((r.status_code, r.text[:200]))
            return
        with lock:
            acked.append(r.json()["id"])
            if len(acked) >= KILL_AFTER:
                enough.set()


def empty_database(workdir, prefix):
    """The URL of a new empty database of the engine under test."""
    if ENGINE == "sqlite":
        return "sqlite:" + os.path.join(workdir, unique(prefix + "-") + ".db")
    name = unique(prefix + "_")
    sql(f"CREATE DATABASE {name}")
    return DATABASE.rsplit("/", 1)[0] + "/" + name


def count(statement, database):
    return int(sql(statement, database).strip())


def test_kill9_under_write_load_loses_no_acknowledged_write(workdir):
    work = os.path.join(workdir, unique("kill9-"))
    os.makedirs(work)
    database = empty_database(workdir, "kill9")
    port = free_port()
    server = Server(database, write_config(os.path.join(work, "s.ini"), port), port, os.path.join(work, "s.log"))
    server.start()
    try:
        email = f"{unique('k9')}@exemple.fr"
        r = run_cli("user", "add", email, "--role", "admin", "--password-stdin", input="kill-neuf-2026\n",
                    database=database)
        assert r.returncode == 0, r.stderr
        r = run_cli("token", "create", email, database=database)
        assert r.returncode == 0, r.stderr
        token = r.stdout.strip().split()[-1]

        acked, errors, lock, stop, enough = [], [], threading.Lock(), threading.Event(), threading.Event()
        threads = [threading.Thread(target=writer, args=(server.base, token, acked, lock, stop, enough, errors))
                   for _ in range(WRITERS)]
        for t in threads:
            t.start()
        assert enough.wait(300), (errors, server.log_tail())
        server.proc.send_signal(signal.SIGKILL)  # mid-load: the writers are still sending
        server.proc.wait(30)
        server.proc = None
        stop.set()
        for t in threads:
            t.join(60)
        assert not errors, errors
        assert len(acked) >= KILL_AFTER

        server.start()
        ids = ", ".join(f"'{i}'" for i in acked)
        assert count(f"SELECT COUNT(*) FROM places WHERE id IN ({ids})", database) == len(set(acked))
        # Nothing half-written: every place has the journal entry of its creation, and the chain verifies.
        assert count("SELECT COUNT(*) FROM places", database) == count(
            "SELECT COUNT(*) FROM journal WHERE entity = 'place' AND action = 'create'", database)
        v = journal_verify(database=database)
        assert v.returncode == 0, v.stdout + v.stderr
        # And it serves again, reads and writes.
        s = requests.Session()
        s.headers["Authorization"] = f"Bearer {token}"
        assert s.get(server.base + f"/api/v1/places/{acked[0]}", timeout=30).status_code == 200
        assert s.post(server.base + "/api/v1/places", json=place(unique("k")), timeout=30).status_code == 201
        server.stop_checked()
    finally:
        if server.proc is not None:
            server.proc.kill()
            server.proc.wait()
