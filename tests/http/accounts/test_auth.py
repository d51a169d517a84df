"""Signing in and out, CSRF, session renewal, throttling, restart, forgotten passwords and invitations."""
import os
import re
import time
from urllib.parse import urlsplit

import pytest
import requests

from conftest import (DATABASE, DEMO_PASSWORD, Server, csrf_from, free_port, page_csrf, post_login, run_cli, second_factor, sql,
                      sql_int, text, unique_email, write_config)

USER_IN_HEADER = re.compile(r'href="/compte">([^<]+)<span')
LINK = re.compile(r"(https?://\S+/(?:mot-de-passe|invitation)/[A-Za-z0-9_-]+)")


def signed_in_as(session, base):
    """The name shown in the page header, or None when the page is anonymous."""
    m = USER_IN_HEADER.search(session.get(base + "/").text)
    return m.group(1).strip() if m else None


def set_cookies(response):
    return response.raw.headers.getlist("Set-Cookie")


def cookie_header(response, name):
    found = [c for c in set_cookies(response) if c.startswith(name + "=")]
    assert found, f"no Set-Cookie {name} in {set_cookies(response)}"
    return found[-1]


@pytest.fixture
def person(make_account):
    """A fresh candidate account with a known password (so the demo ones stay untouched)."""
    password = "mot de passe initial 1"
    p = make_account("candidate", password=password)
    p["_password"] = password
    return p


# ---------------------------------------------------------------------------------------------
# The sign-in form


def test_login_form_sets_the_csrf_cookie(base):
    s = requests.Session()
    r = s.get(base + "/connexion")
    assert r.status_code == 200
    token = csrf_from(r.text)
    assert len(token) >= 32
    assert s.cookies.get("tremplin_csrf") == token
    c = cookie_header(r, "tremplin_csrf")
    assert "HttpOnly" in c and "SameSite=Lax" in c
    for name in ("email", "password", "next"):
        assert f'name="{name}"' in r.text
    # The same visitor keeps the same token.
    assert csrf_from(s.get(base + "/connexion").text) == token


def test_login_success(base):
    # A national officer: the password opens a session that waits for the second factor (test_second_factor.py).
    s, r = post_login(base, "national@demo.tremplin.fr", DEMO_PASSWORD, finish=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/connexion/second-facteur?suivant=/"
    c = cookie_header(r, "tremplin_session")
    assert "HttpOnly" in c and "SameSite=Lax" in c and "Path=/" in c
    r = second_factor(s, base, "national@demo.tremplin.fr", r)
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert signed_in_as(s, base) == "Nadia Délégation"
    # Without a second factor required, the password alone is the whole sign-in.
    s, r = post_login(base, "regional@demo.tremplin.fr", DEMO_PASSWORD, finish=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert cookie_header(r, "tremplin_session")


def test_login_email_is_case_insensitive(base):
    s, r = post_login(base, "Pilotage@Demo.Tremplin.FR", DEMO_PASSWORD)
    assert r.status_code == 303
    assert signed_in_as(s, base) == "Véronique Comité"


@pytest.mark.parametrize("email,password", [
    ("national@demo.tremplin.fr", "pas le bon mot de passe"),
    ("personne@demo.tremplin.fr", DEMO_PASSWORD),
])
def test_login_failure_says_the_same_thing(base, email, password):
    s, r = post_login(base, email, password)
    assert r.status_code == 422
    assert "Adresse électronique ou mot de passe incorrect" in text(r)
    assert "tremplin_session" not in s.cookies
    assert 'lang="fr"' in r.text
    assert email in r.text  # the email is kept in the form
    assert signed_in_as(s, base) is None


def test_login_missing_fields_is_422(base):
    s = requests.Session()
    token = csrf_from(s.get(base + "/connexion").text)
    r = s.post(base + "/connexion", data={"csrf": token}, allow_redirects=False)
    assert r.status_code == 422
    assert "Saisissez votre adresse électronique" in text(r)
    assert "Saisissez votre mot de passe" in text(r)


@pytest.mark.parametrize("next_,expected", [
    ("/admin/personnes", "/admin/personnes"),
    ("/compte?onglet=1", "/compte?onglet=1"),
    ("//evil.example/x", "/"),
    ("https://evil.example/x", "/"),
    ("/\\evil.example", "/"),
    ("/a\r\nX-Injecte: 1", "/"),
    ("", "/"),
])
def test_login_goes_back_to_next_but_never_off_site(base, next_, expected):
    _, r = post_login(base, "pilotage@demo.tremplin.fr", DEMO_PASSWORD, next_=next_)
    assert r.status_code == 303
    assert r.headers["location"] == expected


def test_anonymous_private_page_goes_to_login_and_back(base):
    s = requests.Session()
    r = s.get(base + "/admin/journal", allow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/connexion?suivant=/admin/journal"
    page = s.get(base + r.headers["location"])
    assert 'name="next" value="/admin/journal"' in page.text
    r = s.post(base + "/connexion", data={"email": "admin@demo.tremplin.fr", "password": DEMO_PASSWORD,
                                          "csrf": csrf_from(page.text), "next": "/admin/journal"},
               allow_redirects=False)
    assert r.status_code == 303
    # An admin gives the second factor first, and is then sent on to where they were going.
    assert r.headers["location"] == "/connexion/second-facteur?suivant=/admin/journal"
    r = second_factor(s, base, "admin@demo.tremplin.fr", r)
    assert r.status_code == 303
    assert r.headers["location"] == "/admin/journal"


def test_signed_in_visitor_of_the_login_page_is_sent_on(base, sessions):
    r = sessions["viewer"].get(base + "/connexion?suivant=/compte", allow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/compte"
    r = sessions["viewer"].get(base + "/connexion?suivant=//evil.example/", allow_redirects=False)
    assert r.headers["location"] == "/"


def test_next_is_escaped_in_the_login_form(base):
    r = requests.get(base + "/connexion", params={"suivant": '/"><script>alert(1)</script>'})
    assert r.status_code == 200
    assert "<script>alert(1)</script>" not in r.text
    assert 'name="next" value="/&quot;&gt;&lt;script&gt;' in r.text or 'name="next" value="/"' in r.text


def test_failed_login_keeps_next(base):
    s = requests.Session()
    token = csrf_from(s.get(base + "/connexion?suivant=/admin/journal").text)
    r = s.post(base + "/connexion", data={"email": "admin@demo.tremplin.fr", "password": "", "csrf": token,
                                          "next": "/admin/journal"})
    assert r.status_code == 422
    assert 'name="next" value="/admin/journal"' in r.text


def test_login_with_a_multipart_form(base):
    s = requests.Session()
    token = csrf_from(s.get(base + "/connexion").text)
    fields = {"email": (None, "pilotage@demo.tremplin.fr"), "password": (None, DEMO_PASSWORD), "csrf": (None, token),
              "next": (None, "/compte")}
    r = s.post(base + "/connexion", files=fields, allow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/compte"
    assert signed_in_as(s, base) == "Véronique Comité"


def test_malformed_multipart_is_400(base):
    s = requests.Session()
    s.get(base + "/connexion")
    body = b"--frontiere\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\nsans fin"
    r = s.post(base + "/connexion", data=body, headers={"Content-Type": "multipart/form-data; boundary=frontiere"})
    assert r.status_code == 400
    assert 'lang="fr"' in r.text


# ---------------------------------------------------------------------------------------------
# CSRF


def test_login_without_csrf_is_403(base):
    s = requests.Session()
    s.get(base + "/connexion")
    r = s.post(base + "/connexion", data={"email": "admin@demo.tremplin.fr", "password": DEMO_PASSWORD},
               allow_redirects=False)
    assert r.status_code == 403
    assert "tremplin_session" not in s.cookies
    assert "jeton de sécurité" in text(r)


def test_login_with_a_wrong_csrf_is_403(base):
    s = requests.Session()
    s.get(base + "/connexion")
    r = s.post(base + "/connexion", data={"email": "admin@demo.tremplin.fr", "password": DEMO_PASSWORD,
                                          "csrf": "x" * 43}, allow_redirects=False)
    assert r.status_code == 403


def test_login_with_csrf_but_no_cookie_is_403(base):
    token = csrf_from(requests.get(base + "/connexion").text)
    r = requests.post(base + "/connexion", data={"email": "admin@demo.tremplin.fr", "password": DEMO_PASSWORD,
                                                 "csrf": token}, allow_redirects=False)
    assert r.status_code == 403


def test_signed_in_form_needs_the_session_token_not_the_visitor_cookie(base, login):
    s = login("pilotage@demo.tremplin.fr")
    visitor_token = s.cookies.get("tremplin_csrf")
    session_token = page_csrf(s, base)
    assert visitor_token and session_token and visitor_token != session_token
    for data in ({}, {"csrf": visitor_token}, {"csrf": "x" * 43}):
        r = s.post(base + "/deconnexion", data=data, allow_redirects=False)
        assert r.status_code == 403, data
    assert signed_in_as(s, base) == "Véronique Comité"  # still signed in


# ---------------------------------------------------------------------------------------------
# Session renewal, logout, restart


def test_login_renews_the_session_id(base):
    s = requests.Session()
    s.cookies.set("tremplin_session", "fixed-by-an-attacker-" + "a" * 30, domain="127.0.0.1", path="/")
    ids = []
    for _ in range(2):
        _, r = post_login(base, "pilotage@demo.tremplin.fr", DEMO_PASSWORD, session=s)
        assert r.status_code == 303
        ids.append(s.cookies.get("tremplin_session"))
    assert ids[0] != ids[1]
    assert "fixed-by-an-attacker" not in ids[0]
    assert signed_in_as(s, base) == "Véronique Comité"


def test_logout_deletes_the_session(base, login):
    s = login("pilotage@demo.tremplin.fr")
    old = s.cookies.get("tremplin_session")
    r = s.post(base + "/deconnexion", data={"csrf": page_csrf(s, base)}, allow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/"
    assert "Max-Age=0" in cookie_header(r, "tremplin_session")
    assert signed_in_as(s, base) is None
    # The old cookie no longer opens anything.
    replay = {"Cookie": f"tremplin_session={old}"}
    r = requests.get(base + "/compte", headers=replay, allow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/connexion")
    assert requests.get(base + "/api/v1/me", headers=replay).status_code == 401


def test_unknown_session_cookie_is_forgotten(base):
    r = requests.get(base + "/", headers={"Cookie": "tremplin_session=n-importe-quoi"}, allow_redirects=False)
    assert r.status_code == 200
    assert "Max-Age=0" in cookie_header(r, "tremplin_session")


def test_a_session_works_on_another_server_of_the_same_database(base, workdir, login):
    """The web tier keeps no state: a second server on the same database knows the session."""
    s = login("pilotage@demo.tremplin.fr")
    cookie = {"Cookie": f"tremplin_session={s.cookies.get('tremplin_session')}"}
    port = free_port()
    other = Server(DATABASE, write_config(os.path.join(workdir, f"second-{port}.ini"), port), port,
                   os.path.join(workdir, f"second-{port}.log"))
    other.start()
    try:
        r = requests.get(other.base + "/compte", headers=cookie, allow_redirects=False)
        assert r.status_code == 200
        assert "Véronique Comité" in r.text
    finally:
        other.stop_checked()


def test_session_survives_a_restart(base, server, login):
    s = login("pilotage@demo.tremplin.fr")
    token = page_csrf(s, base)
    server.restart()
    assert signed_in_as(s, base) == "Véronique Comité"
    assert page_csrf(s, base) == token  # the same session, with its CSRF token


# ---------------------------------------------------------------------------------------------
# Throttling


def test_failures_slow_the_account_down_but_never_lock_it(base, login):
    """Finding 3 of issue 11: five bad passwords refused even the right one for fifteen minutes, from any address."""
    email = unique_email("throttle")
    r = run_cli("user", "add", email, "--role", "viewer", "--password-stdin", input="le bon mot de passe\n")
    assert r.returncode == 0, r.stderr
    for i in range(5):
        _, r = post_login(base, email, f"mauvais mot de passe {i}")
        assert r.status_code == 422, i
    _, r = post_login(base, email, "le bon mot de passe")
    assert r.status_code == 429
    page = text(r)
    assert "patientez" in page and "n'est pas bloqué" in page
    assert 'lang="fr"' in r.text
    wait = int(r.headers["retry-after"])
    assert 1 <= wait <= 5, wait
    # Another account still signs in from the same address.
    login("pilotage@demo.tremplin.fr")
    # Once the wait is over, the right password signs in: there is no lock to set off.
    time.sleep(wait + 0.1)
    login(email, "le bon mot de passe")


def test_a_success_resets_the_failure_count(base, login):
    email = unique_email("reset")
    r = run_cli("user", "add", email, "--role", "viewer", "--password-stdin", input="le bon mot de passe\n")
    assert r.returncode == 0, r.stderr
    for i in range(4):
        assert post_login(base, email, f"faux {i}")[1].status_code == 422
    login(email, "le bon mot de passe")
    assert post_login(base, email, "faux encore")[1].status_code == 422
    login(email, "le bon mot de passe")


# ---------------------------------------------------------------------------------------------
# Forgotten password and reset links


def request_reset(base, email):
    s = requests.Session()
    page = s.get(base + "/mot-de-passe-oublie")
    assert page.status_code == 200
    r = s.post(base + "/mot-de-passe-oublie", data={"email": email, "csrf": csrf_from(page.text)},
               allow_redirects=False)
    return r


def link_from(body, base, kind):
    m = LINK.search(body)
    assert m, f"no link in the message: {body!r}"
    url = m.group(1)
    assert url.startswith(f"{base}/{kind}/"), url
    return urlsplit(url).path


def test_forgot_password_answers_the_same_for_unknown_and_known(base, person, mailbox, wait_mail):
    unknown = unique_email("inconnu")
    r1 = request_reset(base, unknown)
    r2 = request_reset(base, person["_email"])
    for r in (r1, r2):
        assert r.status_code == 200
        assert "Si un compte existe pour cette adresse" in text(r)
    wait_mail(person["_email"], "mot de passe")
    # The outbox is delivered in order: had a message been queued for the unknown address, it would be here.
    assert mailbox.count_to(unknown) == 0


def test_forgot_password_invalid_email_is_422(base):
    r = request_reset(base, "pas-une-adresse")
    assert r.status_code == 422
    assert "adresse valide" in text(r)


def test_forgot_password_without_csrf_is_403(base):
    assert requests.post(base + "/mot-de-passe-oublie", data={"email": "a@b.fr"}).status_code == 403


def test_reset_email_is_french_utf8_with_the_link(base, person, mailbox):
    assert request_reset(base, person["_email"]).status_code == 200
    m = mailbox.wait_message(person["_email"], "mot de passe")
    msg = m["message"]
    headers = m["raw"].split(b"\r\n\r\n")[0].decode("ascii")  # the header block is plain ASCII
    assert re.search(r"(?im)^Subject: =\?utf-8\?[bq]\?", headers), headers
    assert str(msg["subject"]) == "Réinitialisation de votre mot de passe tremplin"
    assert msg.get_content_type() == "text/plain"
    assert msg.get_content_charset() == "utf-8"
    body = msg.get_content()
    assert body.startswith("Bonjour ")
    assert "réinitialisation" in body.lower()
    link_from(body, base, "mot-de-passe")


def test_reset_link_sets_a_new_password_once(base, person, wait_mail, login):
    old_session = login(person["_email"], person["_password"])
    assert request_reset(base, person["_email"]).status_code == 200
    path = link_from(wait_mail(person["_email"], "mot de passe"), base, "mot-de-passe")

    s = requests.Session()
    page = s.get(base + path)
    assert page.status_code == 200
    assert person["_email"] in page.text
    token = csrf_from(page.text)

    r = s.post(base + path, data={"password": "court", "password_confirm": "court", "csrf": token})
    assert r.status_code == 422
    assert "12 caractères" in text(r)

    r = s.post(base + path, data={"password": "un nouveau mot de passe", "password_confirm": "un autre mot de passe",
                                  "csrf": token})
    assert r.status_code == 422
    assert "La confirmation ne correspond pas" in text(r)
    assert 'id="password_confirm"' in r.text

    r = s.post(base + path, data={"password": "", "password_confirm": "", "csrf": "faux" * 10})
    assert r.status_code == 403

    new = "un nouveau mot de passe"
    r = s.post(base + path, data={"password": new, "password_confirm": new, "csrf": token}, allow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/connexion"

    # The sessions opened with the old password are closed; the new password works.
    assert signed_in_as(old_session, base) is None
    login(person["_email"], new)

    # The link is used up.
    assert s.get(base + path).status_code == 404
    r = s.post(base + path, data={"password": "encore un autre mdp", "password_confirm": "encore un autre mdp",
                                  "csrf": token}, allow_redirects=False)
    assert r.status_code == 404
    assert 'lang="fr"' in r.text


def test_unknown_link_is_404(base):
    for path in ("/mot-de-passe/inconnu", "/invitation/inconnu", "/mot-de-passe/" + "a" * 200):
        r = requests.get(base + path)
        assert r.status_code == 404, path
        assert 'lang="fr"' in r.text


# ---------------------------------------------------------------------------------------------
# Invitations


def test_invitation_lets_the_person_choose_a_password(base, api, mailbox, login):
    email = unique_email("invite")
    r = api.post(base + "/api/v1/people", json={"email": email, "name": "Inès Invitée", "role": "viewer"})
    assert r.status_code == 201, r.text
    m = mailbox.wait_message(email, "tremplin")
    msg = m["message"]
    assert str(msg["subject"]) == "Votre accès à tremplin"
    headers = m["raw"].split(b"\r\n\r\n")[0].decode("ascii")
    assert re.search(r"(?im)^Subject: =\?utf-8\?[bq]\?", headers), headers
    assert msg.get_content_charset() == "utf-8"
    body = msg.get_content()
    assert "Bonjour Inès Invitée" in body
    path = link_from(body, base, "invitation")

    s = requests.Session()
    page = s.get(base + path)
    assert page.status_code == 200
    assert email in page.text
    token = csrf_from(page.text)
    pw = "mon mot de passe choisi"
    r = s.post(base + path, data={"password": pw, "password_confirm": pw + "!", "csrf": token})
    assert r.status_code == 422
    r = s.post(base + path, data={"password": pw, "password_confirm": pw, "csrf": token}, allow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/connexion"
    assert signed_in_as(login(email, pw), base) == "Inès Invitée"
    assert s.get(base + path).status_code == 404


def test_an_invited_person_cannot_sign_in_before_choosing(base, api):
    email = unique_email("pending")
    assert api.post(base + "/api/v1/people", json={"email": email, "name": "En attente", "role": "viewer"}).status_code == 201
    _, r = post_login(base, email, "un mot de passe au hasard")
    assert r.status_code == 422
    assert "incorrect" in text(r)


# ---------------------------------------------------------------------------------------------
# Behind a proxy: the client address comes from X-Forwarded-For only when the peer is a trusted proxy


def second_server(workdir, mailbox, name, extra):
    port = free_port()
    return Server(DATABASE, write_config(os.path.join(workdir, f"{name}-{port}.ini"), port, mailbox.port, extra=extra),
                  port, os.path.join(workdir, f"{name}-{port}.log"))


@pytest.fixture(scope="module")
def proxied(server, workdir, mailbox):
    """A second server on the same database that trusts 127.0.0.1 as its proxy."""
    srv = second_server(workdir, mailbox, "proxied", "trusted_proxies = 127.0.0.1, ::1\n")
    srv.start()
    yield srv
    srv.stop_checked()


def session_ip(session):
    import hashlib
    token = session.cookies.get("tremplin_session")
    return sql(f"SELECT ip FROM sessions WHERE id_hash = '{hashlib.sha256(token.encode()).hexdigest()}'")


def test_x_forwarded_for_is_ignored_from_an_untrusted_peer(base):
    s = requests.Session()
    s.headers["X-Forwarded-For"] = "203.0.113.50"
    _, r = post_login(base, "pilotage@demo.tremplin.fr", DEMO_PASSWORD, session=s)
    assert r.status_code == 303
    assert session_ip(s) == "127.0.0.1"


def test_x_forwarded_for_names_the_client_behind_a_trusted_proxy(proxied):
    s = requests.Session()
    s.headers["X-Forwarded-For"] = "198.51.100.23, 127.0.0.1"
    _, r = post_login(proxied.base, "pilotage@demo.tremplin.fr", DEMO_PASSWORD, session=s)
    assert r.status_code == 303
    assert session_ip(s) == "198.51.100.23"


def test_everyone_behind_the_proxy_does_not_share_one_address(proxied):
    """Finding 3 of issue 11: behind the TLS proxy every person shared one address, so that thirty failures locked
    sign-in for everybody."""
    attacker = {"X-Forwarded-For": "203.0.113.66"}
    for i in range(30):
        s = requests.Session()
        s.headers.update(attacker)
        assert post_login(proxied.base, f"devine{i}@exemple.fr", "mauvais mot de passe", session=s)[1].status_code \
            == 422, i
    # The failures count against the attacker's address (which now waits: unit test t_throttle_address), not the
    # proxy's, which everybody shares.
    assert sql_int("SELECT COUNT(*) FROM login_failures WHERE key = 'ip:203.0.113.66'") == 30
    assert sql_int("SELECT COUNT(*) FROM login_failures WHERE key = 'ip:127.0.0.1' AND at > "
                   f"{int(time.time()) - 60}") < 30
    s = requests.Session()
    s.headers["X-Forwarded-For"] = "198.51.100.99"
    assert post_login(proxied.base, "pilotage@demo.tremplin.fr", DEMO_PASSWORD, session=s)[1].status_code == 303


def test_the_owners_browser_is_not_slowed_down_by_failures_made_elsewhere(proxied):
    """Finding 3 of issue 11: an attacker must not be able to lock someone out. The browser that signed in before
    (its tremplin_device cookie) skips the account's wait."""
    email = unique_email("owner")
    r = run_cli("user", "add", email, "--role", "viewer", "--password-stdin", input="le bon mot de passe\n")
    assert r.returncode == 0, r.stderr
    owner = requests.Session()
    owner.headers["X-Forwarded-For"] = "198.51.100.7"
    _, r = post_login(proxied.base, email, "le bon mot de passe", session=owner)
    assert r.status_code == 303
    c = cookie_header(r, "tremplin_device")
    assert "HttpOnly" in c and "Max-Age=15552000" in c
    for i in range(5):
        s = requests.Session()
        s.headers["X-Forwarded-For"] = f"203.0.113.{10 + i}"
        assert post_login(proxied.base, email, "mauvais mot de passe", session=s)[1].status_code == 422, i
    stranger = requests.Session()
    stranger.headers["X-Forwarded-For"] = "198.51.100.7"
    assert post_login(proxied.base, email, "le bon mot de passe", session=stranger)[1].status_code == 429
    _, r = post_login(proxied.base, email, "le bon mot de passe", session=owner)
    assert r.status_code == 303


def test_hsts_on_pages_and_static_files_behind_tls(base, workdir, mailbox):
    """Issue 11: no HSTS on static responses."""
    assert "strict-transport-security" not in requests.get(base + "/static/app/app.css").headers
    srv = second_server(workdir, mailbox, "tls", "behind_tls = true\n")
    srv.start()
    try:
        for path in ("/connexion", "/static/app/app.css"):
            r = requests.get(srv.base + path)
            assert r.status_code == 200, path
            assert r.headers.get("strict-transport-security", "").startswith("max-age="), path
        assert "; Secure" in cookie_header(requests.get(srv.base + "/connexion"), "tremplin_csrf")
    finally:
        srv.stop_checked()


# ---------------------------------------------------------------------------------------------
# Forgotten password: quotas, links revoked together, bodies purged from the outbox


def forgot_from(base, email, address):
    s = requests.Session()
    s.headers["X-Forwarded-For"] = address
    page = s.get(base + "/mot-de-passe-oublie")
    return s.post(base + "/mot-de-passe-oublie", data={"email": email, "csrf": csrf_from(page.text)},
                  allow_redirects=False)


def test_forgot_password_is_limited_per_address_and_per_email(proxied, person, mailbox, wait_mail):
    """Finding 10 of issue 11: fifteen requests sent fifteen emails to one person."""
    email = person["_email"]
    for i in range(10):
        r = forgot_from(proxied.base, email, "203.0.113.80")
        assert r.status_code == 200 and "Si un compte existe" in text(r), i
    r = forgot_from(proxied.base, email, "203.0.113.80")
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) > 60 and "réessayez dans" in text(r)
    # From elsewhere the answer is the usual one, but that email has had its three links this hour.
    r = forgot_from(proxied.base, email, "203.0.113.81")
    assert r.status_code == 200 and "Si un compte existe" in text(r)
    for _ in range(3):
        wait_mail(email, "mot de passe")
    time.sleep(2)
    assert mailbox.count_to(email) == 3


def test_using_a_reset_link_revokes_the_older_ones_and_the_outbox_forgets_them(base, person, wait_mail, login):
    """Finding 7 of issue 11: an older reset link still worked after a newer one was used, and links stayed in
    clear in the outbox after sending."""
    assert request_reset(base, person["_email"]).status_code == 200
    older = link_from(wait_mail(person["_email"], "mot de passe"), base, "mot-de-passe")
    assert request_reset(base, person["_email"]).status_code == 200
    newer = link_from(wait_mail(person["_email"], "mot de passe"), base, "mot-de-passe")
    s = requests.Session()
    page = s.get(base + newer)
    new = "le mot de passe d'après"
    r = s.post(base + newer, data={"password": new, "password_confirm": new, "csrf": csrf_from(page.text)},
               allow_redirects=False)
    assert r.status_code == 303
    assert s.get(base + older).status_code == 404
    login(person["_email"], new)
    # Sent, the messages keep their row but not their link.
    deadline = time.monotonic() + 10
    mine = f"recipient = '{person['_email']}' AND sensitive = 1"
    while sql_int(f"SELECT COUNT(*) FROM outbox WHERE {mine} AND status = 'sent'") < 2:
        assert time.monotonic() < deadline, "the messages are not marked sent"
        time.sleep(0.1)
    rows = sql(f"SELECT status, body FROM outbox WHERE {mine}").splitlines()
    assert len(rows) == 2 and all(r.startswith("sent|") for r in rows), rows
    assert not any(older.rsplit("/", 1)[1] in r or newer.rsplit("/", 1)[1] in r for r in rows)
    assert sql_int(f"SELECT COUNT(*) FROM outbox WHERE {mine} AND body LIKE '%effacé%'") == 2
    # And the owner is told that the password changed.
    assert "/mot-de-passe-oublie" in wait_mail(person["_email"], "a été changé")


def test_self_registration_is_limited_per_address(proxied):
    """Finding 5 of issue 11: public self-registration was unthrottled."""
    def register(address):
        body = {"email": unique_email("quota"), "name": "Jeune Pressé", "password": "mot-de-passe-candidat-2026",
                "birth_date": "2004-03-01", "commune_code": "26108", "qualification_level": "3",
                "seeking_since": "2025-01-06", "priority_area": "none", "max_distance_km": 40,
                "available_from": "2026-12-01"}
        return requests.post(proxied.base + "/api/v1/candidates", json=body, headers={"X-Forwarded-For": address})

    for i in range(20):
        r = register("203.0.113.120")
        assert r.status_code == 202, (i, r.text)
    r = register("203.0.113.120")
    assert r.status_code == 429
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "inscriptions" in r.json()["detail"] and int(r.headers["retry-after"]) > 60
    assert register("203.0.113.121").status_code == 202
