"""Caps, security headers, error pages, routing errors, static files, health and the access log."""
import gzip
import os
import re
import shutil
import socket
import subprocess

import pytest
import requests

from conftest import DATABASE, ENGINE, Server, csrf_from, free_port, text, unique, write_config

FRENCH_PAGE = re.compile(r'<html[^>]*\blang="fr"')


def raw_request(base, data, timeout=10):
    """Sends bytes on a fresh connection; returns (status, headers dict (lower-case names), body bytes)."""
    host, port = base.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as s:
        s.sendall(data)
        chunks = []
        while True:
            try:
                c = s.recv(65536)
            except socket.timeout:
                break
            if not c:
                break
            chunks.append(c)
            got = b"".join(chunks)
            head, sep, rest = got.partition(b"\r\n\r\n")
            if sep:
                m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
                if m and len(rest) >= int(m.group(1)):
                    break
    got = b"".join(chunks)
    head, _, body = got.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers.setdefault(k.strip().lower(), v.strip())
    return status, headers, body


def assert_security_headers(headers, what):
    csp = headers.get("content-security-policy", "")
    for directive in ("default-src 'self'", "script-src 'self'", "frame-ancestors 'none'"):
        assert directive in csp, f"{what}: CSP lacks {directive!r}: {csp!r}"
    assert "unsafe-inline" not in csp, f"{what}: CSP allows inline code: {csp!r}"
    assert headers.get("x-content-type-options") == "nosniff", what
    assert headers.get("referrer-policy"), f"{what}: no referrer-policy"


def assert_french_page(r, status):
    assert r.status_code == status, r.status_code
    assert r.headers["content-type"].startswith("text/html"), r.headers.get("content-type")
    assert FRENCH_PAGE.search(r.text), "the page is not marked lang=fr"


def assert_problem(r, status):
    assert r.status_code == status, (r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers.get("content-type")
    p = r.json()
    assert p["status"] == status
    assert isinstance(p["title"], str) and p["title"]
    assert isinstance(p["detail"], str) and p["detail"]
    assert isinstance(p["errors"], list)
    return p


# ---------------------------------------------------------------------------------------------
# Health


def test_healthz_reports_the_engine(base):
    r = requests.get(base + "/healthz")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    assert r.json() == {"status": "ok", "database": ENGINE}


def _second_database(workdir):
    """A database of its own for a second server, and a function that makes it stop answering."""
    if ENGINE == "sqlite":
        d = os.path.join(workdir, unique("health"))
        os.makedirs(d)
        return f"sqlite:{d}/h.db", d
    name = unique("health_")
    subprocess.run(["psql", DATABASE, "-v", "ON_ERROR_STOP=1", "-qc", f"CREATE DATABASE {name}"], check=True,
                   capture_output=True)
    return DATABASE.rsplit("/", 1)[0] + "/" + name, name


def test_healthz_answers_503_when_the_database_does_not_answer(workdir):
    """A second server whose database goes away after it started: /healthz says 503, then recovers."""
    url, handle = _second_database(workdir)
    port = free_port()
    config = write_config(os.path.join(workdir, f"health-{port}.ini"), port)
    srv = Server(url, config, port, os.path.join(workdir, f"health-{port}.log"))
    srv.spawn()
    try:
        srv.wait_listening()
        # The workers open their connection on their first request: take the database away first.
        if ENGINE == "sqlite":
            shutil.move(handle, handle + ".gone")
        else:
            subprocess.run(["psql", DATABASE, "-v", "ON_ERROR_STOP=1", "-qc", f"DROP DATABASE {handle} WITH (FORCE)"],
                           check=True, capture_output=True)
        for _ in range(4):  # whichever loop thread answers
            r = requests.get(srv.base + "/healthz")
            assert r.status_code == 503, (r.status_code, r.text)
            assert r.json()["status"] != "ok"
            assert r.json()["database"] == ENGINE
        # Other pages say 503 too, in French, rather than crash.
        r = requests.get(srv.base + "/connexion")
        assert_french_page(r, 503)
        assert_security_headers(r.headers, "503 page")
        if ENGINE == "sqlite":
            shutil.move(handle + ".gone", handle)
            for _ in range(4):
                assert requests.get(srv.base + "/healthz").status_code == 200
    finally:
        srv.stop_checked()


def _serve_a_few_requests(workdir):
    port = free_port()
    config = write_config(os.path.join(workdir, f"sigterm-{port}.ini"), port)
    srv = Server(DATABASE, config, port, os.path.join(workdir, f"sigterm-{port}.log"))
    srv.start()
    for path in ("/", "/connexion", "/static/dsfr/dsfr.min.css", "/nope", "/api/v1/regions"):
        requests.get(srv.base + path)
    return srv


def test_sigterm_stops_cleanly(workdir):
    srv = _serve_a_few_requests(workdir)
    srv.stop_checked()
    # The port is released.
    with pytest.raises(requests.ConnectionError):
        requests.get(srv.base + "/healthz", timeout=2)


def test_sigterm_with_idle_keepalive_connections_stops_cleanly(workdir):
    srv = _serve_a_few_requests(workdir)
    clients = [requests.Session() for _ in range(6)]
    for c in clients:  # idle keep-alive connections, spread over the loop threads
        assert c.get(srv.base + "/healthz").status_code == 200
    try:
        srv.stop_checked()
    finally:
        for c in clients:
            c.close()


# ---------------------------------------------------------------------------------------------
# Security headers on every kind of response

HEADER_CASES = [
    ("GET", "/", {}),
    ("GET", "/connexion", {}),
    ("GET", "/healthz", {}),
    ("GET", "/api/v1/regions", {}),
    ("GET", "/api/v1/me", {}),  # 401 problem
    ("GET", "/admin/personnes", {}),  # 303 to the sign-in page
    ("GET", "/page-qui-n-existe-pas", {}),  # 404 page
    ("DELETE", "/", {}),  # 405
    ("POST", "/connexion", {"data": {"email": "x"}}),  # 403 CSRF
    ("GET", "/static/dsfr/dsfr.min.css", {}),
    ("GET", "/static/nope.css", {}),
]


@pytest.mark.parametrize("method,path,kw", HEADER_CASES, ids=[f"{m} {p}" for m, p, _ in HEADER_CASES])
def test_security_headers_on_every_response(base, method, path, kw):
    r = requests.request(method, base + path, allow_redirects=False, **kw)
    assert_security_headers(r.headers, f"{method} {path} ({r.status_code})")


def test_dynamic_pages_are_not_cached(base):
    r = requests.get(base + "/connexion")
    assert "no-store" in r.headers.get("cache-control", "")


# ---------------------------------------------------------------------------------------------
# Static files


def test_static_file_has_etag_and_long_cache(base):
    r = requests.get(base + "/static/dsfr/dsfr.min.css", headers={"Accept-Encoding": "identity"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/css")
    assert r.headers.get("etag")
    m = re.search(r"max-age=(\d+)", r.headers.get("cache-control", ""))
    assert m and int(m.group(1)) >= 86400, r.headers.get("cache-control")
    assert "content-encoding" not in r.headers
    assert b".fr-btn" in r.content


def test_static_file_304_on_if_none_match(base):
    etag = requests.get(base + "/static/dsfr/dsfr.min.css").headers["etag"]
    r = requests.get(base + "/static/dsfr/dsfr.min.css", headers={"If-None-Match": etag})
    assert r.status_code == 304
    assert r.content == b""


def test_static_file_precompressed_with_gzip(base):
    plain = requests.get(base + "/static/dsfr/dsfr.min.css", headers={"Accept-Encoding": "identity"}).content
    r = requests.get(base + "/static/dsfr/dsfr.min.css", headers={"Accept-Encoding": "gzip"}, stream=True)
    assert r.status_code == 200
    assert r.headers.get("content-encoding") == "gzip"
    compressed = r.raw.read(decode_content=False)
    assert len(compressed) < len(plain)
    assert gzip.decompress(compressed) == plain


def test_static_missing_file_is_404(base):
    assert requests.get(base + "/static/dsfr/nope.css").status_code == 404


def test_static_does_not_escape_its_directory(base):
    for path in (b"/static/../../../../etc/passwd", b"/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
                 b"/static/..%2f..%2f..%2f..%2fetc%2fpasswd"):
        status, _, body = raw_request(base, b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert b"root:" not in body, path
        assert status in (400, 403, 404), (path, status)


def _static_refs(html):
    return sorted(set(re.findall(r'(?:href|src)="(/static/[^"#?]+)', html)))


@pytest.mark.parametrize("path", ["/", "/connexion", "/page-qui-n-existe-pas"])
def test_static_assets_referenced_by_pages_exist(base, path):
    refs = _static_refs(requests.get(base + path).text)
    assert refs, "the page references no static asset"
    missing = [u for u in refs if requests.get(base + u).status_code != 200]
    assert not missing, f"missing static assets: {missing}"


# ---------------------------------------------------------------------------------------------
# Caps


def test_url_over_8k_is_414_french_page(base):
    r = requests.get(base + "/" + "a" * 9000)
    assert_french_page(r, 414)
    assert "Adresse trop longue" in r.text
    assert_security_headers(r.headers, "414")


def test_url_just_under_the_cap_is_served(base):
    r = requests.get(base + "/?q=" + "a" * 8000)
    assert r.status_code == 200


def test_api_url_over_8k_is_414_problem(base):
    assert_problem(requests.get(base + "/api/v1/communes?q=" + "a" * 9000), 414)


def test_headers_over_32k_is_431(base):
    headers = {f"X-Filler-{i}": "v" * 4000 for i in range(9)}
    r = requests.get(base + "/", headers=headers)
    assert_french_page(r, 431)
    assert_security_headers(r.headers, "431")


def test_headers_under_the_cap_are_fine(base):
    headers = {f"X-Filler-{i}": "v" * 4000 for i in range(6)}
    assert requests.get(base + "/", headers=headers).status_code == 200


def test_form_body_over_the_cap_is_413(base):
    s = requests.Session()
    s.get(base + "/connexion")
    body = "email=a%40b.fr&password=x&filler=" + "a" * (1100 * 1024)
    r = s.post(base + "/connexion", data=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_french_page(r, 413)
    assert "1024" in r.text or "1 024" in r.text


def test_form_body_under_the_cap_is_read(base):
    s = requests.Session()
    token = csrf_from(s.get(base + "/connexion").text)
    body = f"email=a%40b.fr&csrf={token}&filler=" + "a" * (1000 * 1024)
    r = s.post(base + "/connexion", data=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 422  # read and answered: the password is missing
    assert "Saisissez votre mot de passe" in r.text


def test_json_body_over_the_cap_is_413_problem(base, api):
    body = '{"name": "' + "a" * (1100 * 1024) + '"}'
    r = api.post(base + "/api/v1/tokens", data=body, headers={"Content-Type": "application/json"})
    assert_problem(r, 413)


def test_far_too_large_body_is_refused_without_crash(base):
    r = requests.post(base + "/connexion", data=b"a" * (5 * 1024 * 1024),
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413
    assert requests.get(base + "/healthz").status_code == 200


def test_too_many_form_fields_is_413(base):
    s = requests.Session()
    s.get(base + "/connexion")
    body = "&".join(f"f{i}=v" for i in range(1500))
    r = s.post(base + "/connexion", data=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_french_page(r, 413)


# ---------------------------------------------------------------------------------------------
# Malformed requests, unknown routes, wrong methods

BAD_PATHS = [
    b"/%C3%28",  # invalid UTF-8 sequence
    b"/%FF",
    b"/%zz",  # invalid escape
    b"/abc%",  # truncated escape
    b"/a%00b",  # NUL
    b"/connexion?suivant=%C3%28",  # invalid UTF-8 in the query
]


@pytest.mark.parametrize("path", BAD_PATHS, ids=[p.decode() for p in BAD_PATHS])
def test_invalid_encoding_is_400(base, path):
    status, headers, body = raw_request(base, b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert status == 400
    assert headers["content-type"].startswith("text/html")
    assert b'lang="fr"' in body
    assert "Requête invalide".encode() in body


def test_invalid_encoding_in_api_path_is_400_problem(base):
    status, headers, body = raw_request(
        base, b"GET /api/v1/communes/%C3%28 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert status == 400
    assert headers["content-type"].startswith("application/problem+json")


def test_unknown_path_is_404_french_page(base):
    r = requests.get(base + "/page-qui-n-existe-pas")
    assert_french_page(r, 404)
    assert "Page non trouvée" in r.text
    assert_security_headers(r.headers, "404")


def test_unknown_path_does_not_echo_the_path(base):
    r = requests.get(base + "/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert r.status_code == 404
    assert "<script>alert(1)</script>" not in r.text


def test_unknown_api_path_is_404_problem(base):
    p = assert_problem(requests.get(base + "/api/v1/nope"), 404)
    assert p["errors"] == []


@pytest.mark.parametrize("method,path,allowed", [
    ("DELETE", "/", {"GET"}),
    ("PUT", "/connexion", {"GET", "POST"}),
    ("POST", "/mentions-legales", {"GET"}),
    ("GET", "/deconnexion", {"POST"}),
])
def test_wrong_method_is_405_with_allow(base, method, path, allowed):
    r = requests.request(method, base + path, allow_redirects=False)
    assert_french_page(r, 405)
    allow = {m.strip() for m in r.headers["allow"].split(",")}
    assert allowed <= allow, allow
    assert method not in allow


def test_wrong_method_on_api_is_405_problem(base):
    r = requests.delete(base + "/api/v1/regions")
    assert_problem(r, 405)
    assert "GET" in r.headers["allow"]


def test_head_answers_without_a_body(base):
    r = requests.head(base + "/")
    assert r.status_code == 200
    assert r.content == b""


def test_malformed_request_line_does_not_crash(base):
    status, _, _ = raw_request(base, b"GARBAGE\r\n\r\n")
    assert 400 <= status < 500
    assert requests.get(base + "/healthz").status_code == 200


# ---------------------------------------------------------------------------------------------
# Public pages

PUBLIC_PAGES = [
    ("/", "Accueil"),
    ("/connexion", "Connexion"),
    ("/mot-de-passe-oublie", "Mot de passe oublié"),
    ("/accessibilite", "Déclaration d'accessibilité"),
    ("/mentions-legales", "Mentions légales"),
    ("/donnees-personnelles", "Données personnelles"),
    ("/aide", "Aide"),
    ("/contact", "Contact"),
]


@pytest.mark.parametrize("path,title", PUBLIC_PAGES)
def test_public_page(base, path, title):
    r = requests.get(base + path)
    assert_french_page(r, 200)
    assert re.search(r"<title>" + re.escape(title) + r" — tremplin</title>", text(r)), re.findall("<title>.*", r.text)
    assert "<h1" in r.text
    assert "République" in r.text  # the DSFR header block
    assert 'href="/connexion"' in r.text  # anonymous: a way to sign in
    assert 'href="/admin/personnes"' not in r.text


@pytest.mark.parametrize("path", ["/", "/connexion", "/page-qui-n-existe-pas"])
def test_pages_load_no_inline_script(base, path):
    html = requests.get(base + path).text
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag, f"inline script in {path}: {tag}"
    assert not re.search(r"\son[a-z]+=\"", html), f"inline event handler in {path}"


# ---------------------------------------------------------------------------------------------
# Access log


def test_one_access_log_line_per_request(base, server):
    path = "/" + unique("journal-acces-")
    requests.get(base + path)
    with open(server.log, encoding="utf-8", errors="replace") as f:
        lines = [line for line in f if path in line]
    assert len(lines) == 1, lines
    assert "GET" in lines[0] and "404" in lines[0]


def test_access_log_hides_link_tokens(base, server):
    secret = unique("secretlink")
    requests.get(base + "/mot-de-passe/" + secret)
    with open(server.log, encoding="utf-8", errors="replace") as f:
        assert secret not in f.read()
