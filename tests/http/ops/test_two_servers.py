"""Two tremplin servers on one database behind Debian's nginx, with deploy/nginx-two-servers.conf itself (issue 16,
item 7; docs/DEPLOYMENT.md): both start at once on an empty database and the migrations run once; requests reach
both; the client's address is the one nginx saw, whatever X-Forwarded-For the client sends; one server killed
leaves the service answering, reads and writes."""
import hashlib
import os
import re
import signal
import socket
import subprocess
import time

import requests

from conftest import Server, free_port, post_login, run_cli, sql, unique, write_config
from test_backup import empty_database

ROOT_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
NGINX = "/usr/sbin/nginx"
PASSWORD = "deux-serveurs-2026"
CLIENT = "127.0.0.3"  # a loopback address of its own: the client, as nginx sees it


class FromAddress(requests.adapters.HTTPAdapter):
    """Connects from a chosen local address."""

    def __init__(self, address):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def client_session():
    s = requests.Session()
    s.mount("http://", FromAddress(CLIENT))
    return s


def nginx_config(work, port, a, b):
    """deploy/nginx-two-servers.conf with its servers on A and B and nginx on PORT, in a minimal main file."""
    with open(os.path.join(ROOT_DIR, "deploy", "nginx-two-servers.conf")) as f:
        site = f.read()
    assert "server 127.0.0.1:8081 " in site and "server 127.0.0.1:8082 " in site and "listen 80;" in site
    site = site.replace("127.0.0.1:8081", f"127.0.0.1:{a}").replace("127.0.0.1:8082", f"127.0.0.1:{b}")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};").replace("listen [::]:80;", "")
    with open(os.path.join(work, "site.conf"), "w") as f:
        f.write(site)
    temp = "".join(f"{k}_temp_path {work}/{k};\n" for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    main = (("user root;\n" if os.getuid() == 0 else "") +
            f"daemon off;\nworker_processes 1;\npid {work}/nginx.pid;\nerror_log {work}/error.log info;\n"
            "events { worker_connections 256; }\n"
            "http {\n"
            "  log_format upstream '$remote_addr|$upstream_addr|$status|$request';\n"
            f"  access_log {work}/access.log upstream;\n{temp}"
            f"  include {work}/site.conf;\n}}\n")
    path = os.path.join(work, "nginx.conf")
    with open(path, "w") as f:
        f.write(main)
    return path


def upstreams(work):
    """The upstream address of each request nginx logged so far (several when it moved on to the other server)."""
    with open(os.path.join(work, "access.log")) as f:
        return [line.split("|")[1] for line in f if line.strip()]


def wait_port(port, proc, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"nginx exited with {proc.returncode}"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("nginx does not listen")


def session_ip(session, database):
    token = session.cookies.get("tremplin_session")
    return sql(f"SELECT ip FROM sessions WHERE id_hash = '{hashlib.sha256(token.encode()).hexdigest()}'", database)


def test_two_servers_behind_nginx(workdir):
    assert os.access(NGINX, os.X_OK), "nginx is missing: tools/deps.sh test installs nginx-light"
    work = os.path.join(workdir, unique("two-"))
    os.makedirs(work)
    database = empty_database(workdir, "two")
    front = free_port()
    ports = [free_port(), free_port()]
    extra = "trusted_proxies = 127.0.0.1\n"
    servers = []
    for i, port in enumerate(ports):
        config = write_config(os.path.join(work, f"s{i}.ini"), port, extra=extra)
        with open(config) as f:  # both write the public address in their links
            text = f.read().replace(f"base_url = http://127.0.0.1:{port}", f"base_url = http://127.0.0.1:{front}")
        with open(config, "w") as f:
            f.write(text)
        servers.append(Server(database, config, port, os.path.join(work, f"s{i}.log")))
    nginx = None
    try:
        # Both start at once on the empty database: each migration is applied by one of them only.
        for s in servers:
            s.spawn()
        for s in servers:
            s.wait_healthy(timeout=300)
        logs = servers[0].run_log() + servers[1].run_log()
        applied = re.findall(r"db migrate: applied (\S+)", logs)
        recorded = sql("SELECT name FROM schema_migrations ORDER BY version", database).split()
        assert len(recorded) >= 9 and sorted(applied) == sorted(recorded), (applied, recorded)

        email = f"{unique('deux')}@exemple.fr"
        r = run_cli("user", "add", email, "--role", "viewer", "--password-stdin", input=PASSWORD + "\n",
                    database=database)
        assert r.returncode == 0, r.stderr

        conf = nginx_config(work, front, *ports)
        t = subprocess.run([NGINX, "-t", "-p", work, "-e", f"{work}/error.log", "-c", conf], capture_output=True,
                           text=True, timeout=60)
        assert t.returncode == 0, t.stderr
        nginx = subprocess.Popen([NGINX, "-p", work, "-e", f"{work}/error.log", "-c", conf],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(front, nginx)
        base = f"http://127.0.0.1:{front}"

        # Requests reach both servers.
        c = client_session()
        for _ in range(12):
            assert c.get(base + "/", timeout=30).status_code == 200
        assert requests.get(base + "/healthz", timeout=30).json()["status"] == "ok"
        seen = upstreams(work)
        assert {f"127.0.0.1:{p}" for p in ports} <= set(seen), seen

        # The client's address is the one nginx saw: its own X-Forwarded-For is dropped by nginx, and believed from
        # nobody but nginx.
        s = client_session()
        s.headers["X-Forwarded-For"] = "203.0.113.77"
        _, r = post_login(base, email, PASSWORD, session=s)
        assert r.status_code == 303, r.text[:500]
        assert session_ip(s, database) == CLIENT
        direct = client_session()
        direct.headers["X-Forwarded-For"] = "198.51.100.5"
        _, r = post_login(servers[0].base, email, PASSWORD, session=direct)
        assert r.status_code == 303
        assert session_ip(direct, database) == CLIENT

        # One server killed: the service goes on answering, pages, health and sign-in (a write) alike.
        servers[0].proc.send_signal(signal.SIGKILL)
        servers[0].proc.wait(30)
        servers[0].proc = None
        before = len(upstreams(work))
        for _ in range(6):
            assert c.get(base + "/", timeout=30).status_code == 200
            assert requests.get(base + "/healthz", timeout=30).status_code == 200
        _, r = post_login(base, email, PASSWORD, session=client_session())
        assert r.status_code == 303
        after = upstreams(work)[before:]
        assert after and all(u.split(", ")[-1] == f"127.0.0.1:{ports[1]}" for u in after), after
        servers[1].stop_checked()
    finally:
        if nginx is not None:
            nginx.send_signal(signal.SIGQUIT)
            try:
                nginx.wait(30)
            except subprocess.TimeoutExpired:
                nginx.kill()
                nginx.wait()
        for s in servers:
            if s.proc is not None:
                s.proc.kill()
                s.proc.wait()
