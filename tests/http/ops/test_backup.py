"""tremplin backup and restore (issue 16, item 6), on the engine under test: a backup taken while a writer creates
accounts through the API is one snapshot (the writer's accounts it holds are a prefix of their order, its journal
chain verifies), and a restore gives back the same rows, table by table, in a database that then works."""
import os
import threading

import requests

from conftest import DATABASE, ENGINE, journal_verify, run_cli, sql, unique

PASSWORD = "sauvegarde-solide-2026"


def empty_database(workdir, prefix):
    """The URL of a new empty database of the engine under test."""
    if ENGINE == "sqlite":
        return "sqlite:" + os.path.join(workdir, unique(prefix + "-") + ".db")
    name = unique(prefix + "_")
    sql(f"CREATE DATABASE {name}")
    return DATABASE.rsplit("/", 1)[0] + "/" + name


def backup_path(workdir):
    return os.path.join(workdir, unique("backup-") + (".db" if ENGINE == "sqlite" else ".dump"))


def tables(database):
    if ENGINE == "sqlite":
        out = sql("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
                  database)
    else:
        out = sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename", database)
    return out.split()


def rows(database, table):
    return sorted(sql(f'SELECT * FROM "{table}"', database).splitlines())


class Writer(threading.Thread):
    """Creates accounts one after the other through the API until stopped; `done` lists the emails whose creation
    was answered 201, in order."""

    def __init__(self, base, token):
        super().__init__(daemon=True)
        self.base, self.token = base, token
        self.done, self.failures = [], []
        self.stop = threading.Event()
        self.progress = threading.Condition()

    def run(self):
        s = requests.Session()
        s.headers["Authorization"] = f"Bearer {self.token}"
        while not self.stop.is_set():
            email = f"{unique('bk')}@exemple.fr"
            r = s.post(self.base + "/api/v1/people", timeout=30,
                       json={"email": email, "name": "Sauvegarde", "role": "viewer", "password": PASSWORD})
            with self.progress:
                if r.status_code == 201:
                    self.done.append(email)
                else:
                    self.failures.append((r.status_code, r.text[:200]))
                self.progress.notify_all()

    def wait_for(self, n):
        with self.progress:
            assert self.progress.wait_for(lambda: len(self.done) >= n or self.failures, timeout=120), len(self.done)
            assert not self.failures, self.failures


def test_a_backup_under_write_load_is_one_snapshot_and_restores_identically(base, admin_token, workdir):
    writer = Writer(base, admin_token)
    writer.start()
    try:
        writer.wait_for(5)
        before = len(writer.done)
        path = backup_path(workdir)
        r = run_cli("backup", path, timeout=300)
        after = len(writer.done)
        assert r.returncode == 0, r.stderr
        assert "written and checked" in r.stdout
        writer.wait_for(after + 5)  # the writer went on after the backup
    finally:
        writer.stop.set()
        writer.join(60)
    assert not writer.failures, writer.failures

    restored = empty_database(workdir, "restored")
    r = run_cli("restore", path, database=restored, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "schema version" in r.stdout
    # One snapshot: the writer's accounts in it are the first k it made, k between what was answered before the
    # backup began and what was answered (plus the one in flight) when it ended.
    created = set(writer.done)
    held = [line for line in sql("SELECT email FROM people WHERE name = 'Sauvegarde'", restored).splitlines()
            if line in created]
    k = len(held)
    assert before <= k <= after + 1, (before, k, after)
    assert set(held) == set(writer.done[:k])
    v = journal_verify(restored)
    assert v.returncode == 0, v.stderr
    assert "chain intact" in v.stdout

    # Restore fidelity, on a database nobody writes: back the restored one up, restore it again, compare every row.
    second = backup_path(workdir)
    assert run_cli("backup", second, database=restored, timeout=300).returncode == 0
    again = empty_database(workdir, "again")
    r = run_cli("restore", second, database=again, timeout=300)
    assert r.returncode == 0, r.stderr
    names = tables(restored)
    assert "people" in names and "journal" in names and "schema_migrations" in names
    assert tables(again) == names
    for table in names:
        assert rows(again, table) == rows(restored, table), table

    # The restored database works: migrations have nothing left to do, new rows get new ids.
    assert run_cli("migrate", database=again).returncode == 0
    r = run_cli("user", "add", f"{unique('apres')}@exemple.fr", "--role", "viewer", "--password-stdin",
                input=PASSWORD + "\n", database=again)
    assert r.returncode == 0, r.stderr


def test_backup_never_overwrites_and_restore_wants_an_empty_database(workdir):
    path = backup_path(workdir)
    with open(path, "w") as f:
        f.write("déjà là")
    r = run_cli("backup", path)
    assert r.returncode == 2 and "exists already" in r.stderr
    with open(path) as f:
        assert f.read() == "déjà là"

    good = backup_path(workdir)
    assert run_cli("backup", good, timeout=300).returncode == 0
    r = run_cli("restore", good)  # the served database is not empty
    assert r.returncode == 2 and "empty database" in r.stderr
    r = run_cli("restore", os.path.join(workdir, "absent.dump"), database=empty_database(workdir, "none"))
    assert r.returncode == 2 and "cannot read" in r.stderr
    r = run_cli("backup", database=False)
    assert r.returncode == 2 and "usage" in r.stderr
    if ENGINE == "sqlite":  # a mistyped path is not a new empty database to back up
        missing = os.path.join(workdir, unique("absent-") + ".db")
        r = run_cli("backup", backup_path(workdir), database="sqlite:" + missing)
        assert r.returncode == 2 and "no database there" in r.stderr
        assert not os.path.exists(missing)
