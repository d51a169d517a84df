#!/usr/bin/env python3
"""The steering figures' time on a national-size data set: p50/p99 of GET /api/v1/steering/figures (every figure
of a programme's year and the previous year, live) and of GET /pilotage (the same, drawn as the page), one request
at a time, and the server's CPU time a request (what the wall times are when a core is free). Not a test: it
prints figures.

  bench/steering_p99.py BUILD_DIR [DATABASE_URL] [N]

Without DATABASE_URL: a fresh SQLite file, `tremplin seed`, `tremplin gen steering` (4,000 contracts, 3,000
employers, 50,000 applications, the contracts' aid: about 60,000 schedule lines) then `tremplin gen activity`
(STEER_BENCH_ACTIVITY reports, default 50,000, into the activity rollups). With a postgresql:// URL of an empty
database: the same on PostgreSQL. STEER_BENCH_SERVER=PATH serves the same data with another binary (an older
build, for a before/after on the same rows)."""
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

build = sys.argv[1]
tmp = tempfile.mkdtemp(prefix="steer-bench-")
db = sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] else "sqlite:" + os.path.join(tmp, "steer.db")
n = int(sys.argv[3]) if len(sys.argv) > 3 else 100
binary = os.path.join(build, "src", "tremplin")
server = os.environ.get("STEER_BENCH_SERVER", binary)
activity = os.environ.get("STEER_BENCH_ACTIVITY", "50000")


def cli(*args, stdin=None):
    r = subprocess.run([binary, *args, "--database", db], input=stdin, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{args}: {r.stderr}")
    return r.stdout


def server_cpu(pid):
    """The server's CPU time (user + system, seconds): on a shared machine the wall times above wait for a core;
    this does not."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


cli("seed")
t0 = time.monotonic()
cli("gen", "steering")
print(f"gen steering: {time.monotonic() - t0:.1f} s")
if activity != "0":
    t0 = time.monotonic()
    cli("gen", "activity", activity, "--advisers", "1000", "--days", "730")
    print(f"gen activity {activity}: {time.monotonic() - t0:.1f} s")
cli("user", "add", "bench-national@exemple.fr", "--role", "national", "--password-stdin", stdin="bench-password-2026\n")
token = cli("token", "create", "bench-national@exemple.fr").strip().splitlines()[-1]
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
srv = subprocess.Popen([server, "serve", "--database", db, "--listen", f"127.0.0.1:{port}"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz")
            break
        except OSError:
            time.sleep(0.1)
    year = time.localtime().tm_year - 1
    for name, path in (("api figures", f"/api/v1/steering/figures?from={year}-01-01&to={year}-12-31"),
                       ("page /pilotage", f"/pilotage?du={year}-01-01&au={year}-12-31")):
        times = []
        cpu0 = 0.0
        for i in range(n + 3):
            if i == 3:
                cpu0 = server_cpu(srv.pid)
            req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"Bearer {token}"})
            t = time.monotonic()
            body = urllib.request.urlopen(req).read()
            if i >= 3:  # the first ones warm the caches
                times.append((time.monotonic() - t) * 1000)
        times.sort()
        p99 = times[min(len(times) - 1, int(0.99 * len(times)))]
        cpu = (server_cpu(srv.pid) - cpu0) * 1000 / len(times)
        print(f"{name}: {len(body)} bytes, n={len(times)}, p50 {statistics.median(times):.0f} ms, p99 {p99:.0f} ms, "
              f"server CPU {cpu:.0f} ms a request")
finally:
    srv.terminate()
    srv.wait()
