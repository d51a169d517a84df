"""End-to-end harness: an SMTP sink, one seeded database, one `tremplin serve` for the session.

Environment (set by tests/run.sh):
  TREMPLIN_BIN            the server binary
  TREMPLIN_STATIC_DIR     the static directory it serves under /static/
  TREMPLIN_TEST_ENGINE    sqlite | postgresql
  TREMPLIN_TEST_DATABASE  sqlite:/path.db or a postgresql:// URL of an empty database
  TREMPLIN_TEST_WORK      a scratch directory (created here)
"""
import base64
import datetime
import email
import email.policy
import hashlib
import hmac
import html
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import uuid
import zoneinfo

import pytest
import requests

# The suites are in one folder per capability; some reuse another's helpers (`from test_applications
# import …`), so every folder is importable whichever is collected first.
_HERE = os.path.dirname(os.path.abspath(__file__))
for _d in sorted(os.listdir(_HERE)):
    if os.path.isdir(os.path.join(_HERE, _d)) and not _d.startswith(("_", ".")):
        sys.path.insert(0, os.path.join(_HERE, _d))

DEMO_PASSWORD = "demo-tremplin-2026"
DEMO_DOMAIN = "demo.tremplin.fr"
# role -> the demo account holding it
DEMO_ACCOUNTS = {
    "admin": "admin@demo.tremplin.fr",
    "national": "national@demo.tremplin.fr",
    "regional": "regional@demo.tremplin.fr",
    "pole": "pole@demo.tremplin.fr",
    "employer": "structure@demo.tremplin.fr",
    "prescriber": "prescripteur@demo.tremplin.fr",
    "trainer": "formation@demo.tremplin.fr",
    "candidate": "candidat@demo.tremplin.fr",
    "sponsor": "parrain@demo.tremplin.fr",
    "viewer": "pilotage@demo.tremplin.fr",
    "payer": "payeur@demo.tremplin.fr",
}
ROLES = list(DEMO_ACCOUNTS)
# The TOTP secret of the demo's admin, national officer and payer (src/demo/demo.h, DEMO_TOTP_SECRET).
DEMO_TOTP_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
# email -> base32 TOTP secret of the accounts with a second factor (the demo's; those post_login enrolled).
TOTP_SECRETS = {DEMO_ACCOUNTS[r]: DEMO_TOTP_SECRET for r in ("admin", "national", "payer")}
NON_ADMIN_ROLES = [r for r in ROLES if r != "admin"]

def paris_today():
    """The server's date: it keeps the calendar of Paris, a day ahead of UTC's between 22:00 and midnight UTC."""
    return datetime.datetime.now(zoneinfo.ZoneInfo("Europe/Paris")).date()


def text(response):
    """The body of RESPONSE with HTML entities decoded (the templates escape ' as &#39;)."""
    return html.unescape(response.text)


CSRF_INPUT = re.compile(r'<input type="hidden" name="csrf" value="([^"]*)"')


def _env(name):
    value = os.environ.get(name)
    if not value:
        raise pytest.UsageError(f"{name} is not set (see tests/http/conftest.py)")
    return value


BIN = os.environ.get("TREMPLIN_BIN", "")
STATIC_DIR = os.environ.get("TREMPLIN_STATIC_DIR", "")
ENGINE = os.environ.get("TREMPLIN_TEST_ENGINE", "")
# Under pytest-xdist (tests/run.sh runs each engine's suite on two workers, file by file), each worker has its own
# database and scratch directory: "{worker}" in TREMPLIN_TEST_DATABASE becomes the worker's name (gw0, gw1...), the
# databases made beforehand by the caller; alone, the suite is worker gw0.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
DATABASE = os.environ.get("TREMPLIN_TEST_DATABASE", "").replace("{worker}", WORKER or "gw0")
WORK = os.environ.get("TREMPLIN_TEST_WORK", "") + (f"-{WORKER}" if WORKER and os.environ.get("TREMPLIN_TEST_WORK") else "")

# As tests/run.sh does: LeakSanitizer ignores libh2o's per-thread caches (tests/lsan.supp), nothing of ours.
# The keep-alive race of HTTP/1 (the flake "RemoteDisconnected" of issue 18): the server closes a connection that
# stayed idle for its request timeout (libh2o's http1 req_timeout, 10 s); a request sent on it at that very moment
# meets the close and gets no answer. Browsers retry such a request; python requests does not (not for a POST). So
# the tests' sessions never reuse a connection idle for more than half of that: a fresh one is opened instead.
KEEPALIVE_REUSE_MAX = 5.0
_adapter_send = requests.adapters.HTTPAdapter.send


def _send_on_a_live_connection(self, request, **kw):
    now = time.monotonic()
    if now - getattr(self, "_last_sent", now) > KEEPALIVE_REUSE_MAX:
        self.poolmanager.clear()
    try:
        return _adapter_send(self, request, **kw)
    finally:
        self._last_sent = time.monotonic()


requests.adapters.HTTPAdapter.send = _send_on_a_live_connection

_LSAN_SUPP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lsan.supp")
if os.path.exists(_LSAN_SUPP):
    os.environ.setdefault("LSAN_OPTIONS", f"suppressions={os.path.abspath(_LSAN_SUPP)}:print_suppressions=0")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unique(prefix="t"):
    """A short unique token for names and email addresses created by a test."""
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def unique_email(prefix="t"):
    return f"{unique(prefix)}@exemple.fr"


# ---------------------------------------------------------------------------------------------
# SMTP sink


class Mailbox:
    """Every message the SMTP sink received; wait_* take each message once (oldest first)."""

    def __init__(self):
        self.messages = []
        self.cond = threading.Condition()

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        with self.cond:
            self.messages.append({
                "from": envelope.mail_from,
                "to": list(envelope.rcpt_tos),
                "raw": raw,
                "message": msg,
                "taken": False,
            })
            self.cond.notify_all()
        return "250 Message accepted for delivery"

    def _find(self, to, subject_contains):
        for m in self.messages:
            if m["taken"] or to.lower() not in [t.lower() for t in m["to"]]:
                continue
            if subject_contains and subject_contains not in str(m["message"]["subject"]):
                continue
            return m
        return None

    def wait_message(self, to, subject_contains="", timeout=10):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                m = self._find(to, subject_contains)
                if m is not None:
                    m["taken"] = True
                    return m
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [(x["to"], str(x["message"]["subject"])) for x in self.messages]
                    raise AssertionError(f"no message to {to} with subject containing {subject_contains!r} "
                                         f"within {timeout}s; received: {seen}")
                self.cond.wait(left)

    def count_to(self, to):
        with self.cond:
            return sum(1 for m in self.messages if to.lower() in [t.lower() for t in m["to"]])


def body_text(msg):
    part = msg.get_body(preferencelist=("plain",)) if msg.is_multipart() else msg
    return part.get_content()


@pytest.fixture(scope="session")
def mailbox():
    from aiosmtpd.controller import Controller

    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    box.port = port
    yield box
    controller.stop()


@pytest.fixture(scope="session")
def wait_mail(mailbox):
    """wait_mail(to, subject_contains, timeout=10) -> the decoded text body of the next such message."""

    def wait(to, subject_contains="", timeout=10):
        return body_text(mailbox.wait_message(to, subject_contains, timeout)["message"])

    return wait


# ---------------------------------------------------------------------------------------------
# The server


def run_cli(*args, input=None, config=None, database=None, timeout=60, env=None):
    """Runs the tremplin binary; returns the CompletedProcess (text)."""
    cmd = [BIN, *args]
    if database is not False:
        cmd += ["--database", database or DATABASE]
    if config is not False and config is not None:
        cmd += ["--config", config]
    return subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=timeout, env=env)


# The webhooks' receivers of the tests listen on loopback over plain http; failures are retried after 1, 2, 4 s.
WEBHOOKS = "[webhooks]\nallow_loopback = true\ntimeout_seconds = 2\nretry_seconds = 1\npause_after = 3\n"


def write_config(path, port, smtp_port=None, extra=""):
    mail = f"[mail]\nsmtp_url = smtp://127.0.0.1:{smtp_port}\nretry_seconds = 1\n" if smtp_port else ""
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"[server]\nbase_url = http://127.0.0.1:{port}\nstatic_dir = {STATIC_DIR}\ntest_mode = true\n"
                f"{extra}{mail}{WEBHOOKS}")
    return path


class Server:
    """A `tremplin serve` process; stderr goes to LOG (appended across restarts)."""

    def __init__(self, database, config, port, log):
        self.database, self.config, self.port, self.log = database, config, port, log
        self.base = f"http://127.0.0.1:{port}"
        self.proc = None

    def spawn(self):
        self.log_offset = os.path.getsize(self.log) if os.path.exists(self.log) else 0
        logf = open(self.log, "ab")
        self.proc = subprocess.Popen(
            [BIN, "serve", "--database", self.database, "--listen", f"127.0.0.1:{self.port}", "--config", self.config],
            stdout=logf, stderr=logf)
        logf.close()

    def wait_listening(self, timeout=30):
        """Waits until the port accepts connections, without sending any request."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"tremplin serve exited with {self.proc.returncode}\n{self.log_tail()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"tremplin serve did not listen within {timeout}s\n{self.log_tail()}")

    def wait_healthy(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"tremplin serve exited with {self.proc.returncode}\n{self.log_tail()}")
            try:
                if requests.get(self.base + "/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise AssertionError(f"/healthz did not answer 200 within {timeout}s\n{self.log_tail()}")

    def start(self):
        self.spawn()
        self.wait_healthy()

    def stop(self, timeout=30):
        """SIGTERM; returns the exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"tremplin serve did not stop within {timeout}s of SIGTERM\n{self.log_tail()}")
        rc = self.proc.returncode
        self.proc = None
        return rc

    def run_log(self):
        """The log of the current (or last) run of the process."""
        with open(self.log, "rb") as f:
            f.seek(getattr(self, "log_offset", 0))
            return f.read().decode("utf-8", "replace")

    def stop_checked(self):
        """SIGTERM, then asserts a clean stop: exit status 0, "stopped cleanly", no sanitizer report."""
        rc = self.stop()
        log = self.run_log()
        assert "stopped cleanly" in log, f"no clean stop after SIGTERM (exit {rc})\n{self.log_tail()}"
        for bad in ("ERROR: AddressSanitizer", "runtime error:", "Assertion"):
            assert bad not in log, f"{bad!r} in the server log\n{self.log_tail(120)}"
        assert "ERROR: LeakSanitizer" not in log, f"memory leaks\n{self.log_tail(120)}"
        assert rc == 0, f"tremplin serve exited with {rc} on SIGTERM\n{self.log_tail()}"
        return rc

    def restart(self):
        try:
            self.stop_checked()
        finally:
            if self.proc is None:
                self.start()

    def log_tail(self, lines=60):
        try:
            with open(self.log, "rb") as f:
                data = f.read().decode("utf-8", "replace").splitlines()
        except OSError:
            return "(no server log)"
        return "---- server log (tail) ----\n" + "\n".join(data[-lines:])


_SERVER = None

@pytest.fixture(scope="session")
def workdir():
    if not WORK:
        raise pytest.UsageError("TREMPLIN_TEST_WORK is not set")
    for name in ("TREMPLIN_BIN", "TREMPLIN_STATIC_DIR", "TREMPLIN_TEST_ENGINE", "TREMPLIN_TEST_DATABASE"):
        _env(name)
    assert ENGINE in ("sqlite", "postgresql"), f"TREMPLIN_TEST_ENGINE must be sqlite or postgresql, not {ENGINE!r}"
    os.makedirs(WORK, exist_ok=True)
    return WORK


@pytest.fixture(scope="session")
def server(workdir, mailbox):
    global _SERVER
    port = free_port()
    config = write_config(os.path.join(workdir, "server.ini"), port, mailbox.port)
    seed = run_cli("seed", "--demo", config=config, timeout=300)
    assert seed.returncode == 0, f"seed --demo failed ({seed.returncode}): {seed.stderr}"
    srv = Server(DATABASE, config, port, os.path.join(workdir, "server.log"))
    srv.start()
    _SERVER = srv
    yield srv
    _SERVER = None
    srv.stop_checked()


@pytest.fixture(scope="session")
def base(server):
    return server.base


@pytest.fixture(scope="session")
def config_path(server):
    return server.config


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed and _SERVER is not None:
        report.sections.append(("tremplin serve", _SERVER.log_tail(40)))


# ---------------------------------------------------------------------------------------------
# Signing in


def csrf_from(html):
    m = CSRF_INPUT.search(html)
    assert m, "no hidden csrf input in the page"
    return m.group(1)


def page_csrf(session, base, path="/"):
    """The CSRF token of SESSION: the hidden csrf input of a page rendered for it."""
    r = session.get(base + path)
    assert r.status_code == 200, (path, r.status_code)
    return csrf_from(r.text)


def totp(secret, t=None, digits=6):
    """The RFC 6238 code (HMAC-SHA-1, 30 s) of the base32 SECRET at time T (now)."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    counter = int((time.time() if t is None else t) // 30)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    o = mac[-1] & 15
    return str((struct.unpack(">I", mac[o:o + 4])[0] & 0x7FFFFFFF) % 10 ** digits).zfill(digits)


def fresh_totp(email_):
    """A code of EMAIL's secret that the server accepts now: the account's last used time step is forgotten first
    (a code is accepted once per step, and the tests sign in many times a minute)."""
    sql(f"UPDATE second_factors SET last_step = 0 WHERE person_id = (SELECT id FROM people WHERE email = '{email_}')")
    return totp(TOTP_SECRETS[email_])


TOTP_KEY_TEXT = re.compile(r'<code id="cle-totp">([A-Z2-7]+)</code>')


def second_factor(s, base, email_, r):
    """After a password sign-in whose answer R sends to the second step (or the enrolment, for an account whose
    roles require one), completes it as the person would; returns the response of the last POST (not followed)."""
    loc = r.headers.get("location", "")
    page = s.get(base + loc)
    if "/compte/double-authentification" in page.url:
        m = TOTP_KEY_TEXT.search(page.text)
        assert m, "no TOTP key on the enrolment page"
        TOTP_SECRETS[email_] = m.group(1)
        nxt = re.search(r'name="next" value="([^"]*)"', page.text).group(1)
        done = s.post(base + "/compte/double-authentification",
                      data={"csrf": csrf_from(page.text), "next": html.unescape(nxt),
                            "second_factor_code": totp(m.group(1))}, allow_redirects=False)
        assert done.status_code == 201, (done.status_code, done.text[:300])
        # The page of the recovery codes; then on, as its "Continuer" link does.
        return _continue(done, html.unescape(nxt))
    assert "/connexion/second-facteur" in page.url, page.url
    nxt = re.search(r'name="next" value="([^"]*)"', page.text).group(1)
    return s.post(base + "/connexion/second-facteur",
                  data={"csrf": csrf_from(page.text), "next": html.unescape(nxt),
                        "second_factor_code": fresh_totp(email_)}, allow_redirects=False)


def _continue(done, nxt):
    """The enrolment's answer made to look like the redirect a sign-in gives (303 to NXT)."""
    done.status_code = 303
    done.headers["location"] = nxt
    return done


class SecondFactorSession(requests.Session):
    """A session signed in through the form that, as its person would, answers the step-up of a sensitive action
    (a 403 asking for a code, once the last one is ten minutes old) with a fresh code (header X-Second-Factor) and
    sends the request again. Only for accounts whose secret the harness knows (TOTP_SECRETS)."""

    email = None

    def request(self, method, url, *args, **kwargs):
        r = super().request(method, url, *args, **kwargs)
        if (r.status_code == 403 and self.email in TOTP_SECRETS
                and ("second_factor_code" in r.text or "Double authentification requise" in r.text)):
            headers = dict(kwargs.pop("headers", None) or {})
            headers["X-Second-Factor"] = fresh_totp(self.email)
            r = super().request(method, url, *args, headers=headers, **kwargs)
        return r


def post_login(base, email_, password, session=None, next_="/", finish=True):
    """Signs in through the HTML form; returns (session, response of the POST, not followed). When the account
    needs a second factor, FINISH completes it (the demo's secret, or an enrolment made here) and the response is
    that of the last step, a 303 to NEXT_ like a sign-in without one."""
    s = session or SecondFactorSession()
    if isinstance(s, SecondFactorSession):
        s.email = email_.lower()
    r = s.get(base + "/connexion")  # a signed-in session is sent on: its page carries the session's token
    assert r.status_code == 200, r.status_code
    token = csrf_from(r.text)
    if not r.history:
        assert s.cookies.get("tremplin_csrf") == token
    r = s.post(base + "/connexion", data={"email": email_, "password": password, "csrf": token, "next": next_},
               allow_redirects=False)
    if finish and r.status_code == 303 and r.headers.get("location", "").startswith("/connexion/second-facteur"):
        r = second_factor(s, base, email_.lower(), r)
    return s, r


@pytest.fixture(scope="session")
def login(base):
    """login(email, password) -> a requests.Session signed in through the HTML form."""

    def do(email_, password=DEMO_PASSWORD):
        s, r = post_login(base, email_, password)
        assert r.status_code == 303, f"sign-in of {email_} answered {r.status_code}"
        assert s.cookies.get("tremplin_session"), "no session cookie after sign-in"
        return s

    return do


class Sessions:
    """Signed-in sessions of the demo accounts, made on first use and shared by the whole run."""

    def __init__(self, login):
        self._login = login
        self._by_role = {}

    def __getitem__(self, role):
        if role not in self._by_role:
            self._by_role[role] = self._login(DEMO_ACCOUNTS[role])
        return self._by_role[role]


@pytest.fixture(scope="session")
def sessions(login):
    return Sessions(login)


@pytest.fixture(scope="session")
def admin(sessions):
    return sessions["admin"]


@pytest.fixture(scope="session")
def admin_csrf(admin, base):
    return page_csrf(admin, base)


@pytest.fixture(scope="session")
def admin_token(admin, base, admin_csrf):
    """An API token of the admin account (made through the API with the session + X-CSRF-Token)."""
    r = admin.post(base + "/api/v1/tokens", json={"name": "tests http"}, headers={"X-CSRF-Token": admin_csrf})
    assert r.status_code == 201, r.text
    return r.json()["token"]


@pytest.fixture(scope="session")
def api(base, admin_token):
    """A requests.Session speaking to the API as the admin, with a bearer token."""
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {admin_token}"
    return s


def sql(statement, database=None):
    """Runs one SQL statement on the test database (or DATABASE, another of the same engine) with the engine's own
    client; returns its output."""
    database = database or DATABASE
    if ENGINE == "sqlite":  # the same output as psql -At: "|" between columns, one line a row, NULL as ""
        import sqlite3
        conn = sqlite3.connect(database[len("sqlite:"):], timeout=30)
        try:
            rows = conn.execute(statement).fetchall()
            conn.commit()
        finally:
            conn.close()
        return "\n".join("|".join("" if v is None else str(v) for v in row) for row in rows).strip()
    cmd = ["psql", database, "-v", "ON_ERROR_STOP=1", "-qAtc", statement]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def seeded_database(workdir, prefix):
    """A new database of the test engine, for tests that need the directory to themselves: migrated and seeded with
    the reference data (no demo accounts). Returns its URL."""
    if ENGINE == "sqlite":
        url = "sqlite:" + os.path.join(workdir, unique(prefix + "-") + ".db")
    else:
        name = unique(prefix.replace("-", "_") + "_")
        sql(f"CREATE DATABASE {name}")
        url = DATABASE.rsplit("/", 1)[0] + "/" + name
    r = run_cli("seed", database=url, timeout=600)
    assert r.returncode == 0, r.stderr
    return url


def sql_int(statement):
    out = sql(statement)
    assert out, f"no row for: {statement}"
    return int(out.splitlines()[0])


def person_id(email_):
    return sql_int(f"SELECT id FROM people WHERE email = '{email_}'")


def org_id(name):
    quoted = name.replace("'", "''")
    return sql_int(f"SELECT id FROM organisations WHERE name = '{quoted}'")


def luhn_siret(seed=None):
    """A random 14-digit SIRET with a valid key (never La Poste's SIREN)."""
    import random
    rnd = random.Random(seed)
    while True:
        digits = [rnd.randint(0, 9) for _ in range(13)]
        if digits[:9] == [3, 5, 6, 0, 0, 0, 0, 0, 0]:
            continue
        for check in range(10):
            ds = digits + [check]
            total = sum((d * 2 - 9 if d * 2 > 9 else d * 2) if i % 2 == 0 else d for i, d in enumerate(ds))
            if total % 10 == 0:
                return "".join(map(str, ds))


def journal_verify(database=None):
    return run_cli("journal", "verify", database=database)


@pytest.fixture(scope="session")
def make_account(base, api):
    """make_account(role="candidate", password=None, **fields) -> the created person (JSON), through the API."""

    def make(role="candidate", password=None, **fields):
        body = {"email": unique_email(role[:4]), "name": f"Test {role}", "role": role, **fields}
        if password is not None:
            body["password"] = password
        r = api.post(base + "/api/v1/people", json=body)
        assert r.status_code == 201, r.text
        person = r.json()
        person["_email"] = body["email"]
        return person

    return make
