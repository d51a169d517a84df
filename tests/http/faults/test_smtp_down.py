"""Faults (issue 17, item 2): the SMTP server down, then back. A server of its own sends to a port where nothing
listens (retry_seconds = 1): its messages are retried with the backoff docs and README state (retry_seconds × 2^n, each
wait at least twice the one before), and a later message to the same person waits behind the one being retried. Then
an SMTP sink starts on that port: every message is delivered exactly once, in the order it was written for each
person."""
import os
import time

from aiosmtpd.controller import Controller

from conftest import DATABASE, ENGINE, Mailbox, Server, free_port, sql, unique, write_config

PEOPLE = ["ana@exemple.fr", "bruno@exemple.fr"]


def empty_database(workdir, prefix):
    if ENGINE == "sqlite":
        return "sqlite:" + os.path.join(workdir, unique(prefix + "-") + ".db")
    name = unique(prefix + "_")
    sql(f"CREATE DATABASE {name}")
    return DATABASE.rsplit("/", 1)[0] + "/" + name


def rows(database, where=""):
    out = sql("SELECT id, recipient, status, attempts, next_attempt_at FROM outbox " + where + " ORDER BY id",
              database)
    result = []
    for line in out.splitlines():
        if line.strip():
            i, to, status, attempts, nxt = line.split("|")
            result.append((int(i), to, status, int(attempts), int(nxt)))
    return result


def queue(database, tag, first, n):
    values = ", ".join(f"(0, '{to}', '{tag} {k}', 'Message {k}', 'pending', 0)"
                       for k in range(first, first + n) for to in PEOPLE)
    sql("INSERT INTO outbox (created_at, recipient, subject, body, status, next_attempt_at) VALUES " + values,
        database)


def wait_for(cond, what, server, limit=180):
    deadline = time.monotonic() + limit
    while not cond():
        assert time.monotonic() < deadline, f"{what}\n{server.log_tail()}"
        assert server.proc.poll() is None, server.log_tail()
        time.sleep(0.1)


def test_smtp_down_then_back(workdir):
    work = os.path.join(workdir, unique("smtp-"))
    os.makedirs(work)
    database = empty_database(workdir, "smtp")
    port, smtp_port = free_port(), free_port()
    server = Server(database, write_config(os.path.join(work, "s.ini"), port, smtp_port=smtp_port), port,
                    os.path.join(work, "s.log"))
    controller = None
    server.start()
    try:
        tag = unique("panne")
        queue(database, tag, 0, 1)  # the first message of each person
        history = {}  # id -> [(attempts, next_attempt_at)] as seen

        def note():
            for i, _, _, attempts, nxt in rows(database):
                seen = history.setdefault(i, [])
                if not seen or seen[-1][0] != attempts:
                    seen.append((attempts, nxt))
            return history

        def first_tried(n):
            return lambda: all(h[-1][0] >= n for i, h in note().items() if i <= 2)

        wait_for(first_tried(3), "the first messages were not retried three times", server)
        queue(database, tag, 1, 3)  # three more each, written while the first ones are being retried
        wait_for(first_tried(4), "no fourth attempt", server)
        # The later messages never went out before the first ones: not even tried.
        assert all(attempts == 0 for i, _, _, attempts, _ in rows(database) if i > 2), rows(database)
        # The backoff: each wait at least twice the one before (1 s, 2 s, 4 s …).
        for i in (1, 2):
            h = [(a, n) for a, n in history[i] if a >= 1]
            for (a0, n0), (a1, n1) in zip(h, h[1:]):
                assert a1 == a0 + 1, history[i]
                assert n1 - n0 >= 2 ** (a1 - 1), history[i]

        box = Mailbox()
        controller = Controller(box, hostname="127.0.0.1", port=smtp_port)
        controller.start()
        wait_for(lambda: all(r[2] == "sent" for r in rows(database)), "not every message was sent", server)
        for to in PEOPLE:
            got = [str(m["message"]["subject"]) for m in box.messages if to in m["to"]]
            assert got == [f"{tag} {k}" for k in range(4)], got  # once each, in order
        assert len(box.messages) == 8
        server.stop_checked()
    finally:
        if controller is not None:
            controller.stop()
        if server.proc is not None:
            server.proc.kill()
            server.proc.wait()
