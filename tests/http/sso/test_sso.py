"""Signing in with ProConnect and FranceConnect against a real OpenID provider: npm oidc-provider (a certified
implementation) started on the loopback by provider.mjs, with two clients configured as ProConnect (signed userinfo)
and FranceConnect (plain userinfo) would be. A second `tremplin serve` on the suite's database is configured with
both; the tests drive the browser's round trip by hand (each redirect checked), and the provider's hooks alter the
next ID token (tampered, another nonce, expired) or rotate its signing key.

Missing node or oidc-provider fails the module (never a skip)."""
import json
import os
import re
import shutil
import subprocess
from urllib.parse import parse_qs, urljoin, urlparse

import pytest
import requests

from conftest import (DATABASE, Server, csrf_from, free_port, luhn_siret, org_id, page_csrf, person_id, sql, sql_int,
                      text, unique, unique_email)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
PASSWORD = "un mot de passe assez long"


class Provider:
    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"

    def account(self, sub, **claims):
        r = requests.post(f"{self.base}/__test/account", params={"sub": sub}, data=json.dumps(claims), timeout=10)
        assert r.status_code == 200, r.text

    def mode(self, m):
        assert requests.post(f"{self.base}/__test/mode", params={"m": m}, timeout=10).status_code == 200

    def rotate(self):
        r = requests.post(f"{self.base}/__test/rotate", timeout=30)
        assert r.status_code == 200, r.text
        return r.json()["kid"]

    def events(self):
        return requests.get(f"{self.base}/__test/events", timeout=10).json()

    def jwks_kids(self):
        return [k["kid"] for k in requests.get(f"{self.base}/jwks", timeout=10).json()["keys"]]


@pytest.fixture(scope="module")
def ports():
    return free_port(), free_port()


@pytest.fixture(scope="module")
def provider(ports, workdir):
    node = shutil.which("node")
    assert node, "node is required by the sign-in tests (tools/deps.sh)"
    assert os.path.isdir(os.path.join(ROOT, "node_modules", "oidc-provider")), \
        "npm oidc-provider is required by the sign-in tests (npm ci)"
    pport, tport = ports
    log = open(os.path.join(workdir, "oidc-provider.log"), "w")
    proc = subprocess.Popen([node, os.path.join(HERE, "provider.mjs"), str(pport), f"http://127.0.0.1:{tport}"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=log, text=True)
    line = proc.stdout.readline()
    assert line.strip() == "ready", f"oidc-provider did not start: {line!r} (see {log.name})"
    yield Provider(pport)
    proc.terminate()
    proc.wait(30)
    log.close()


@pytest.fixture(scope="module")
def sso(server, provider, ports, workdir, mailbox):
    """A second server on the suite's database, with both providers configured (one issuer, two clients)."""
    _, tport = ports
    config = os.path.join(workdir, "sso.ini")
    with open(config, "w", encoding="utf-8") as f:
        f.write(open(server.config, encoding="utf-8").read().replace(server.base, f"http://127.0.0.1:{tport}"))
        for name in ("proconnect", "franceconnect"):
            f.write(f"\n[oidc.{name}]\nissuer = {provider.base}\nclient_id = {name}-client\n"
                    f"client_secret = {name}-secret-for-the-tests\nacr_values = eidas1\n")
    srv = Server(DATABASE, config, tport, os.path.join(workdir, "sso-server.log"))
    srv.start()
    yield srv
    srv.stop_checked()


def follow(s, r, expect_host):
    """The Location of the redirect R, absolute, checked to go to EXPECT_HOST."""
    assert r.status_code in (302, 303), (r.status_code, r.text[:300])
    loc = urljoin(r.url, r.headers["location"])
    assert loc.startswith(expect_host), loc
    return loc


def round_trip(sso, provider, name, sub, mode=None, session=None):
    """The browser's way to the provider and back. Returns (session, the callback's URL, the callback's answer)."""
    s = session or requests.Session()
    csrf = page_csrf(s, sso.base, "/connexion")
    r = s.post(f"{sso.base}/oidc/{name}/connexion", data={"csrf": csrf, "next": "/compte"}, allow_redirects=False)
    auth = follow(s, r, provider.base + "/auth?")
    q = parse_qs(urlparse(auth).query)
    assert q["client_id"] == [f"{name}-client"] and q["code_challenge_method"] == ["S256"]
    assert q["redirect_uri"] == [f"{sso.base}/oidc/{name}/retour"] and q["acr_values"] == ["eidas1"]
    assert len(q["state"][0]) >= 43 and len(q["nonce"][0]) >= 43 and len(q["code_challenge"][0]) == 43
    r = s.get(auth, allow_redirects=False)
    interaction = follow(s, r, provider.base + "/interaction/")
    r = s.get(interaction, params={"sub": sub}, allow_redirects=False)
    resume = follow(s, r, provider.base + "/auth/")
    if mode:
        provider.mode(mode)
    r = s.get(resume, allow_redirects=False)
    callback = follow(s, r, f"{sso.base}/oidc/{name}/retour?")
    return s, callback, s.get(callback, allow_redirects=False)


def signed_in(s, r, sso):
    assert r.status_code == 303, (r.status_code, text(r)[:500])
    assert s.cookies.get("tremplin_session"), "no session after the sign-in"
    page = s.get(sso.base + "/compte")
    assert page.status_code == 200
    return page


def fc_claims(email_, **more):
    return {"email": email_, "email_verified": True, "given_name": "Anaïs Marie", "family_name": "Lefèvre",
            "birthdate": "2001-04-12", "gender": "female", "birthplace": "26108", "birthcountry": "99100", **more}


def pc_claims(email_, **more):
    return {"email": email_, "email_verified": True, "given_name": "Paul", "usual_name": "Martin",
            "uid": unique("uid"), "siret": "", **more}


def test_the_buttons_show_only_the_configured_providers(sso, base):
    page = text(requests.get(sso.base + "/connexion"))
    assert 'class="fr-connect fr-connect--pro"' in page and 'action="/oidc/proconnect/connexion"' in page
    assert 'action="/oidc/franceconnect/connexion"' in page
    assert "Qu’est-ce que ProConnect ?" in page and "Qu’est-ce que FranceConnect ?" in page
    assert 'name="password"' in page  # the password stays
    plain = text(requests.get(base + "/connexion"))
    assert "fr-connect" not in plain
    assert requests.post(base + "/oidc/proconnect/connexion", allow_redirects=False).status_code in (403, 404)


def test_franceconnect_makes_a_candidate_with_a_certified_identity(sso, provider):
    sub, email_ = unique("fc"), unique_email("fc")
    provider.account(sub, **fc_claims(email_))
    s, _, r = round_trip(sso, provider, "franceconnect", sub)
    assert r.headers["location"] == "/compte"
    signed_in(s, r, sso)
    pid = person_id(email_)
    assert sql(f"SELECT role FROM memberships WHERE person_id = {pid}") == "candidate"
    assert sql(f"SELECT name, active FROM people WHERE id = {pid}") == "Anaïs Marie Lefèvre|1"
    assert sql(f"SELECT provider, sub FROM oidc_links WHERE person_id = {pid}") == f"franceconnect|{sub}"
    assert sql(f"SELECT given_name, family_name, birthdate, gender, birthplace, birthcountry FROM person_identities "
               f"WHERE person_id = {pid}") == "Anaïs Marie|Lefèvre|2001-04-12|female|26108|99100"
    actions = sql(f"SELECT action FROM journal WHERE entity = 'person' AND entity_id = {pid} ORDER BY id").split()
    assert actions[:2] == ["register", "oidc_link"]
    # The profile shows the certified identity, read-only.
    profile = text(s.get(sso.base + "/candidat"))
    assert "Identité certifiée par FranceConnect" in profile and "Lefèvre" in profile
    # Again: the same account, no second one.
    s2, _, r = round_trip(sso, provider, "franceconnect", sub)
    signed_in(s2, r, sso)
    assert sql_int(f"SELECT COUNT(*) FROM people WHERE email = '{email_}'") == 1


def test_proconnect_links_an_existing_account_after_its_password(sso, provider, make_account):
    # (a steering member: the roles that need a second factor give their code after any sign-in, see test_second_factor)
    person = make_account(role="viewer", password=PASSWORD)
    email_, sub = person["_email"], unique("pc")
    provider.account(sub, **pc_claims(email_))
    s, _, r = round_trip(sso, provider, "proconnect", sub)
    assert r.status_code == 303 and r.headers["location"] == "/oidc/liaison", (r.status_code, text(r)[:300])
    assert not s.cookies.get("tremplin_session")
    page = text(s.get(sso.base + "/oidc/liaison"))
    assert email_ in page and "Rattacher votre identité ProConnect" in page
    csrf = csrf_from(page)
    # Another browser has nothing to confirm.
    assert "Aucun rattachement en cours" in text(requests.get(sso.base + "/oidc/liaison"))
    r = s.post(sso.base + "/oidc/liaison", data={"csrf": csrf, "password": "pas le bon mot de passe"},
               allow_redirects=False)
    assert r.status_code == 422 and "Mot de passe incorrect" in text(r)
    assert sql_int(f"SELECT COUNT(*) FROM oidc_links WHERE sub = '{sub}'") == 0
    r = s.post(sso.base + "/oidc/liaison", data={"csrf": csrf, "password": PASSWORD}, allow_redirects=False)
    signed_in(s, r, sso)
    assert sql(f"SELECT person_id FROM oidc_links WHERE provider = 'proconnect' AND sub = '{sub}'") == str(person["id"])
    assert "oidc_link_confirmed" in sql(f"SELECT action FROM journal WHERE entity = 'person' AND "
                                        f"entity_id = {person['id']}").split()
    # From now on ProConnect alone signs in (userinfo as a signed JWT).
    s2, _, r = round_trip(sso, provider, "proconnect", sub)
    assert r.headers["location"] == "/compte"
    assert email_ in text(signed_in(s2, r, sso))


def test_an_unknown_email_waits_for_the_structure_s_approval(sso, provider, make_account, login):
    siret, name = luhn_siret(), unique("Structure ")
    sql(f"INSERT INTO organisations (name, kind, siret, created_at, updated_at) VALUES ('{name}', 'employer', "
        f"'{siret}', 0, 0)")
    org = org_id(name)
    staff = make_account(role="employer", organisation_id=org, password=PASSWORD)
    sub, email_ = unique("pc"), unique_email("pc")
    provider.account(sub, **pc_claims(email_, siret=siret))
    s, _, r = round_trip(sso, provider, "proconnect", sub)
    assert r.status_code == 200 and "Votre demande de compte est en attente" in text(r)
    assert not s.cookies.get("tremplin_session")
    pid = person_id(email_)
    assert sql(f"SELECT active FROM people WHERE id = {pid}") == "0"
    assert sql(f"SELECT kind, state, organisation_id FROM oidc_pending WHERE person_id = {pid}") == \
        f"account|pending|{org}"
    # Signing in again before the approval: still waiting.
    s, _, r = round_trip(sso, provider, "proconnect", sub)
    assert r.status_code == 200 and "en attente" in text(r)
    # The structure's staff see it and approve it.
    employer = login(staff["_email"], PASSWORD)
    listing = text(employer.get(sso.base + "/comptes-en-attente"))
    assert email_ in listing
    wid = sql_int(f"SELECT id FROM oidc_pending WHERE person_id = {pid}")
    r = employer.post(f"{sso.base}/comptes-en-attente/{wid}/approuver",
                      data={"csrf": page_csrf(employer, sso.base)}, allow_redirects=False)
    assert r.status_code == 303, text(r)[:300]
    assert sql(f"SELECT active FROM people WHERE id = {pid}") == "1"
    assert sql(f"SELECT role, organisation_id FROM memberships WHERE person_id = {pid}") == f"employer|{org}"
    assert "oidc_approve" in sql(f"SELECT action FROM journal WHERE entity = 'person' AND entity_id = {pid}").split()
    s, _, r = round_trip(sso, provider, "proconnect", sub)
    signed_in(s, r, sso)


@pytest.mark.parametrize("mode,why", [("tamper", "la signature du jeton est invalide"),
                                      ("nonce", "(nonce)"), ("expired", "le jeton a expiré (exp)")])
def test_a_bad_id_token_opens_nothing(sso, provider, mode, why):
    sub, email_ = unique("fc"), unique_email("fc")
    provider.account(sub, **fc_claims(email_))
    s, _, r = round_trip(sso, provider, "franceconnect", sub, mode=mode)
    assert f"token:{mode}" in provider.events()
    assert r.status_code == 403 and why in text(r), (r.status_code, text(r)[:500])
    assert not s.cookies.get("tremplin_session")
    assert sql_int(f"SELECT COUNT(*) FROM people WHERE email = '{email_}'") == 0
    assert sql_int(f"SELECT COUNT(*) FROM oidc_links WHERE sub = '{sub}'") == 0


def test_the_state_serves_once_and_in_its_browser_only(sso, provider):
    sub = unique("fc")
    provider.account(sub, **fc_claims(unique_email("fc")))
    s, callback, _ = None, None, None
    s = requests.Session()
    csrf = page_csrf(s, sso.base, "/connexion")
    r = s.post(f"{sso.base}/oidc/franceconnect/connexion", data={"csrf": csrf}, allow_redirects=False)
    r = s.get(follow(s, r, provider.base), allow_redirects=False)
    r = s.get(follow(s, r, provider.base), params={"sub": sub}, allow_redirects=False)
    r = s.get(follow(s, r, provider.base), allow_redirects=False)
    callback = follow(s, r, sso.base)
    r = requests.get(callback, allow_redirects=False)  # another browser
    assert r.status_code == 403 and "autre navigateur" in text(r)
    r = s.get(callback, allow_redirects=False)  # the flow was used up by the first attempt
    assert r.status_code == 403 and "a déjà servi" in text(r)
    assert not s.cookies.get("tremplin_session")


def test_a_rotated_key_is_fetched_again(sso, provider):
    sub = unique("fc")
    provider.account(sub, **fc_claims(unique_email("fc")))
    s, _, r = round_trip(sso, provider, "franceconnect", sub)
    signed_in(s, r, sso)  # the key set is in the server's cache
    kid = provider.rotate()
    assert provider.jwks_kids()[0] == kid
    s, _, r = round_trip(sso, provider, "franceconnect", sub)
    signed_in(s, r, sso)


def test_signing_out_signs_out_at_the_provider_too(sso, provider):
    sub = unique("fc")
    provider.account(sub, **fc_claims(unique_email("fc")))
    s, _, r = round_trip(sso, provider, "franceconnect", sub)
    signed_in(s, r, sso)
    r = s.post(sso.base + "/deconnexion", data={"csrf": page_csrf(s, sso.base)}, allow_redirects=False)
    end = follow(s, r, provider.base + "/session/end?")
    q = parse_qs(urlparse(end).query)
    assert q["post_logout_redirect_uri"] == [f"{sso.base}/oidc/franceconnect/deconnexion"] and q["id_token_hint"]
    assert s.get(sso.base + "/compte", allow_redirects=False).status_code == 303  # signed out here already
    r = s.get(end, allow_redirects=False)
    assert r.status_code == 200 and "end_session" in provider.events()
    form = re.search(r'action="([^"]+)"', r.text).group(1)
    xsrf = re.search(r'name="xsrf" value="([^"]+)"', r.text).group(1)
    r = s.post(urljoin(end, form), data={"xsrf": xsrf, "logout": "yes"}, allow_redirects=False)
    assert "end_session_confirm" in provider.events()
    back = follow(s, r, f"{sso.base}/oidc/franceconnect/deconnexion")
    r = s.get(back, allow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_an_administrator_refuses_an_account_matched_to_no_structure(sso, provider, admin, sessions):
    sub, email_ = unique("pc"), unique_email("pc")
    provider.account(sub, **pc_claims(email_))
    _, _, r = round_trip(sso, provider, "proconnect", sub)
    assert r.status_code == 200 and "en attente" in text(r)
    pid = person_id(email_)
    wid = sql_int(f"SELECT id FROM oidc_pending WHERE person_id = {pid}")
    assert email_ in text(admin.get(sso.base + "/comptes-en-attente"))
    # A structure's staff do not see an account matched to no structure, and cannot decide it.
    employer = sessions["employer"]
    assert email_ not in text(employer.get(sso.base + "/comptes-en-attente"))
    r = employer.post(f"{sso.base}/comptes-en-attente/{wid}/approuver", data={"csrf": page_csrf(employer, sso.base)},
                      allow_redirects=False)
    assert r.status_code == 404
    r = admin.post(f"{sso.base}/comptes-en-attente/{wid}/refuser", data={"csrf": page_csrf(admin, sso.base)},
                   allow_redirects=False)
    assert r.status_code == 303
    assert sql(f"SELECT p.active, w.state FROM people p JOIN oidc_pending w ON w.person_id = p.id WHERE p.id = {pid}") \
        == "0|refused"
    assert "oidc_refuse" in sql(f"SELECT action FROM journal WHERE entity = 'person' AND entity_id = {pid}").split()
    s, _, r = round_trip(sso, provider, "proconnect", sub)
    assert r.status_code == 403 and "refusé" in text(r)
    assert not s.cookies.get("tremplin_session")


def test_a_link_confirmed_by_email(sso, provider, make_account, wait_mail):
    person = make_account(role="viewer")  # invited: no password yet
    email_, sub = person["_email"], unique("pc")
    provider.account(sub, **pc_claims(email_))
    s, _, r = round_trip(sso, provider, "proconnect", sub)
    assert r.headers["location"] == "/oidc/liaison"
    csrf = csrf_from(s.get(sso.base + "/oidc/liaison").text)
    r = s.post(sso.base + "/oidc/liaison/courriel", data={"csrf": csrf}, allow_redirects=False)
    assert r.status_code == 200 and "Un courriel vous a été envoyé" in text(r)
    body = wait_mail(email_, "Rattacher")
    url = re.search(r"(http://\S+/oidc/liaison/[A-Za-z0-9_-]+)", body).group(1)
    assert url.startswith(sso.base)
    other = requests.Session()  # opened elsewhere, on the phone: the address is the proof
    page = other.get(url)
    assert page.status_code == 200 and email_ in text(page)
    r = other.post(url, data={"csrf": csrf_from(page.text)}, allow_redirects=False)
    signed_in(other, r, sso)
    assert sql(f"SELECT person_id FROM oidc_links WHERE sub = '{sub}'") == str(person["id"])
    assert other.get(url).status_code == 404  # single use
