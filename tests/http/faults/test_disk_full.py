"""Faults (issue 17, item 2): the disk full under SQLite. A server of its own keeps its SQLite database on a 3 MiB
tmpfs (mounted by the test: it runs as root, as tests/pg.sh does) and takes writes until the disk is full. The writes
that do not fit get 503 (never 500) and a French problem; what was acknowledged is there, the database passes SQLite's
integrity check and the journal verifies; reads go on; once room is made, writes succeed again."""
import os
import sqlite3
import subprocess

import requests

from conftest import Server, free_port, journal_verify, run_cli, unique, write_config


def place(tag):
    return {"pivot": "43493312300029", "nom": f"Lieu {tag} " + "x" * 150, "commune": "Reims",
            "code_postal": "51100", "code_insee": "51454", "adresse": f"{tag} rue de Vesle"}


def test_disk_full_under_sqlite(workdir):
    assert os.getuid() == 0, "this test mounts a tmpfs: run the suite as root (CI does)"
    work = os.path.join(workdir, unique("full-"))
    disk = os.path.join(work, "disk")
    os.makedirs(disk)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", disk], check=True, timeout=30)
    database = "sqlite:" + os.path.join(disk, "full.db")
    port = free_port()
    server = Server(database, write_config(os.path.join(work, "s.ini"), port), port, os.path.join(work, "s.log"))
    try:
        server.start()
        email = f"{unique('full')}@exemple.fr"
        r = run_cli("user", "add", email, "--role", "admin", "--password-stdin", input="disque-plein-2026\n",
                    database=database)
        assert r.returncode == 0, r.stderr
        token = run_cli("token", "create", email, database=database).stdout.strip().split()[-1]
        s = requests.Session()
        s.headers["Authorization"] = f"Bearer {token}"
        acked, refused = [], None
        for _ in range(20000):
            r = s.post(server.base + "/api/v1/places", json=place(unique("f")), timeout=60)
            if r.status_code != 201:
                refused = r
                break
            acked.append(r.json()["id"])
        assert refused is not None, "the 3 MiB disk never filled"
        assert refused.status_code == 503, (refused.status_code, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert "Réessayez" in refused.json()["detail"]
        assert "disk is full" in server.run_log() or "database or disk is full" in server.run_log()
        # Reads go on.
        assert s.get(server.base + f"/api/v1/places/{acked[-1]}", timeout=30).status_code == 200
        server.stop_checked()

        conn = sqlite3.connect(database[len("sqlite:"):])
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            ids = ", ".join(f"'{i}'" for i in acked)
            assert conn.execute(f"SELECT COUNT(*) FROM places WHERE id IN ({ids})").fetchone()[0] == len(acked)
            assert conn.execute("SELECT COUNT(*) FROM places").fetchone()[0] == conn.execute(
                "SELECT COUNT(*) FROM journal WHERE entity = 'place' AND action = 'create'").fetchone()[0]
        finally:
            conn.close()
        v = journal_verify(database=database)
        assert v.returncode == 0, v.stdout + v.stderr

        # Room made: the same server takes writes again.
        subprocess.run(["mount", "-o", "remount,size=16m", disk], check=True, timeout=30)
        server.start()
        assert s.post(server.base + "/api/v1/places", json=place(unique("f")), timeout=60).status_code == 201
        server.stop_checked()
    finally:
        if server.proc is not None:
            server.proc.kill()
            server.proc.wait()
        subprocess.run(["umount", "-l", disk], timeout=30)
