#!/usr/bin/python3
"""The soak (issue 17, item 2; `make soak`): on each engine, a server of its own on a fresh database seeded with the
demo, first driven as fast as it goes for --calibrate seconds with a realistic mix (reads of pages, searches, the API
and the places directory; writes: places created through the API, each journaled) to measure its maximum throughput,
then held at --load (80 %) of that for --seconds. Passes when no request failed (a status other than the expected
one, or no answer) and the server's resident memory stayed flat: after the first fifth of the run (warm-up: caches,
statement caches, arenas reaching their size), it never grows by more than --rss-margin (10 %). Prints the figures.

Usage: tests/faults/soak.py BUILD_DIR [--seconds 600] [--calibrate 20] [--load 0.8] [--engines sqlite,postgresql]
"""
import argparse
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

import requests

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PASSWORD = "endurance-2026"
CLIENTS = 8


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=900, **kw)
    if r.returncode != 0:
        sys.exit(f"soak: {' '.join(cmd)} failed:\n{r.stdout}{r.stderr}")
    return r.stdout.strip()


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Mix:
    """One request of the mix at a time, for one client: 80 % reads, 20 % writes."""

    def __init__(self, base, token, place_ids):
        self.base, self.place_ids = base, place_ids
        self.s = requests.Session()
        self.s.headers["Authorization"] = f"Bearer {token}"

    def one(self):
        b, r = self.base, random.random()
        if r < 0.20:
            resp = self.s.get(b + "/", timeout=30)
        elif r < 0.40:
            resp = self.s.get(b + "/lieux", params={"q": random.choice(["numérique", "reims", "atelier", "lyon"])},
                              timeout=30)
        elif r < 0.55:
            resp = self.s.get(b + "/api/v1/places", params={"q": random.choice(["espace", "ville", ""])}, timeout=30)
        elif r < 0.70:
            resp = self.s.get(b + "/api/v1/places/" + random.choice(self.place_ids), timeout=30)
        elif r < 0.80:
            resp = self.s.get(b + "/offres", timeout=30)
        else:
            tag = f"{random.getrandbits(48):012x}"
            resp = self.s.post(b + "/api/v1/places", json={
                "pivot": "43493312300029", "nom": f"Endurance {tag}", "commune": "Reims", "code_postal": "51100",
                "code_insee": "51454", "adresse": f"{tag} rue de Vesle"}, timeout=30)
            return resp.status_code == 201, "POST /api/v1/places", resp.status_code
        return resp.status_code == 200, resp.request.path_url.split("?")[0], resp.status_code


def drive(base, token, place_ids, seconds, rate, samples, pid):
    """CLIENTS threads for SECONDS; RATE requests per second in all (None: as fast as they go). Returns
    (requests done, [(what, status)] of the failures)."""
    done, failures, lock = [0], [], threading.Lock()
    end = time.monotonic() + seconds

    def client():
        mix = Mix(base, token, place_ids)
        interval = CLIENTS / rate if rate else 0
        next_at = time.monotonic() + random.random() * interval
        while time.monotonic() < end:
            if interval:
                pause = next_at - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                next_at += interval
            try:
                ok, what, status = mix.one()
            except requests.RequestException as e:
                ok, what, status = False, "request", repr(e)[:120]
            with lock:
                done[0] += 1
                if not ok:
                    failures.append((what, status))

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        if samples is not None:
            samples.append((time.monotonic(), rss_kib(pid)))
        time.sleep(min(5.0, max(0.5, seconds / 60)))
    for t in threads:
        t.join()
    return done[0], failures


def soak(engine, build, args, work):
    bin_ = os.path.join(build, "src", "tremplin")
    pgdir = None
    if engine == "sqlite":
        url = "sqlite:" + os.path.join(work, "soak.db")
    else:
        pgdir = os.path.join(tempfile.mkdtemp(prefix="trsoak-", dir="/tmp"), "pg")
        os.chmod(os.path.dirname(pgdir), 0o755)
        run([os.path.join(ROOT, "tests", "pg.sh"), "start", pgdir, str(free_port())])
        url = run([os.path.join(ROOT, "tests", "pg.sh"), "createdb", pgdir, "soak"])
    server = None
    try:
        run([bin_, "seed", "--demo", "--database", url])
        email = f"soak-{engine}@exemple.fr"
        run([bin_, "user", "add", email, "--role", "admin", "--password-stdin", "--database", url],
            input=PASSWORD + "\n")
        token = run([bin_, "token", "create", email, "--database", url]).split()[-1]
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = open(os.path.join(work, f"server-{engine}.log"), "wb")
        server = subprocess.Popen([bin_, "serve", "--database", url, "--listen", f"127.0.0.1:{port}"], stdout=log,
                                  stderr=log)
        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                sys.exit(f"soak: the {engine} server did not start")
            time.sleep(0.1)
        items = requests.get(base + "/api/v1/places", params={"per_page": 50}, timeout=30).json()["items"]
        place_ids = [p["id"] for p in items] or ["absent"]

        n, failures = drive(base, token, place_ids, args.calibrate, None, None, server.pid)
        maximum = n / args.calibrate
        target = maximum * args.load
        samples = []
        t0 = time.monotonic()
        n, more = drive(base, token, place_ids, args.seconds, target, samples, server.pid)
        elapsed = time.monotonic() - t0
        failures += more
        warm = [kib for t, kib in samples if t - t0 >= args.seconds / 5] or [samples[-1][1]]
        base_rss, peak, last = warm[0], max(warm), warm[-1]
        growth = (peak - base_rss) / base_rss if base_rss else 0
        print(f"soak {engine}: maximum {maximum:.0f} req/s ({CLIENTS} clients, {args.calibrate} s), target "
              f"{target:.0f} req/s ({args.load:.0%}), achieved {n / elapsed:.0f} req/s over {elapsed:.0f} s, "
              f"{n} requests, {len(failures)} failed; resident memory after warm-up {base_rss // 1024} MiB, peak "
              f"{peak // 1024} MiB, last {last // 1024} MiB ({growth:+.1%})")
        for what, status in failures[:10]:
            print(f"  failed: {what} -> {status}")
        ok = not failures and growth <= args.rss_margin
        server.terminate()
        server.wait(60)
        server = None
        return ok
    finally:
        if server is not None:
            server.kill()
            server.wait()
        if pgdir:
            subprocess.run([os.path.join(ROOT, "tests", "pg.sh"), "stop", pgdir], capture_output=True)
            shutil.rmtree(os.path.dirname(pgdir), ignore_errors=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("build")
    p.add_argument("--seconds", type=int, default=600)
    p.add_argument("--calibrate", type=int, default=20)
    p.add_argument("--load", type=float, default=0.8)
    p.add_argument("--rss-margin", type=float, default=0.10)
    p.add_argument("--engines", default="sqlite,postgresql")
    args = p.parse_args()
    work = tempfile.mkdtemp(prefix="tremplin-soak.")
    try:
        results = [soak(e, os.path.abspath(args.build), args, work) for e in args.engines.split(",")]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("soak: passed" if all(results) else "soak: FAILED")
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
