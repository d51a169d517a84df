"""Two-factor authentication (issue 15, item 2) and API tokens with scopes and an expiry (item 4): enrolment,
sign-in with a code, wrong codes throttled, recovery codes once, step-up of sensitive actions past ten minutes, and
what a token's scopes and expiry let through."""
import re
import time

import pytest

from conftest import (DEMO_ACCOUNTS, DEMO_PASSWORD, TOTP_SECRETS, csrf_from, fresh_totp, page_csrf, person_id,
                      post_login, sql, text, totp)

KEY = re.compile(r'<code id="cle-totp">([A-Z2-7]+)</code>')
CODES = re.compile(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>")
PASSWORD = "mot de passe du second facteur"


def password_step(base, email_, next_="/"):
    """Signs in with the password only: (session, response), the session partial."""
    return post_login(base, email_, PASSWORD, next_=next_, finish=False)


def challenge(s, base, code, next_="/"):
    page = s.get(base + "/connexion/second-facteur?suivant=" + next_)
    assert page.status_code == 200, page.status_code
    return s.post(base + "/connexion/second-facteur",
                  data={"csrf": csrf_from(page.text), "next": next_, "second_factor_code": code},
                  allow_redirects=False)


@pytest.fixture(scope="module")
def enrolled(base, make_account):
    """A national officer made for this module, enrolled through the pages: (email, base32 key, recovery codes)."""
    p = make_account("national", password=PASSWORD)
    email_ = p["_email"]
    s, r = password_step(base, email_, "/compte")
    assert r.status_code == 303 and r.headers["location"] == "/connexion/second-facteur?suivant=/compte"
    # Not enrolled yet: the second step sends to the enrolment, and nothing else is open.
    page = s.get(base + r.headers["location"])
    assert page.url.endswith("/compte/double-authentification?suivant=/compte")
    assert s.get(base + "/compte", allow_redirects=False).headers["location"] == \
        "/connexion/second-facteur?suivant=/compte"
    me = s.get(base + "/api/v1/me")
    assert me.status_code == 403 and "connexion n'est pas terminée" in me.json()["detail"]
    key = KEY.search(page.text).group(1)
    assert len(key) == 32
    assert 'src="data:image/svg+xml;base64,' in page.text and "Code QR" in page.text
    assert "Votre rôle exige la double authentification" in text(page)
    # The same key on a reload; a wrong code says so on the field.
    assert KEY.search(s.get(page.url).text).group(1) == key
    bad = s.post(base + "/compte/double-authentification",
                 data={"csrf": csrf_from(page.text), "next": "/compte", "second_factor_code": "000000"})
    assert bad.status_code == 422 and "Code incorrect" in text(bad)
    ok = s.post(base + "/compte/double-authentification",
                data={"csrf": csrf_from(page.text), "next": "/compte", "second_factor_code": totp(key)})
    assert ok.status_code == 201, ok.text[:500]
    codes = CODES.findall(ok.text)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert "ne seront plus affichés" in text(ok)
    # The session is full now; the page no longer shows the key.
    assert s.get(base + "/compte").status_code == 200
    again = s.get(base + "/compte/double-authentification")
    assert "est <strong>activée</strong>" in again.text and key not in again.text
    assert "Codes de secours encore utilisables : 10" in text(again)
    # Stored sealed and hashed: neither the key nor a code in the tables or the journal.
    pid = person_id(email_)
    assert key not in sql(f"SELECT secret_box FROM second_factors WHERE person_id = {pid}")
    assert codes[0] not in sql(f"SELECT code_hash FROM recovery_codes WHERE person_id = {pid}")
    assert key not in sql(f"SELECT detail FROM journal WHERE entity = 'person' AND entity_id = {pid}")
    TOTP_SECRETS[email_] = key
    return email_, key, codes


def test_sign_in_with_a_code(base, enrolled):
    email_, key, _ = enrolled
    s, r = password_step(base, email_, "/compte")
    assert r.headers["location"] == "/connexion/second-facteur?suivant=/compte"
    r = challenge(s, base, "123", "/compte")
    assert r.status_code == 422 and "Code incorrect" in text(r)
    r = challenge(s, base, fresh_totp(email_), "/compte")
    assert r.status_code == 303 and r.headers["location"] == "/compte"
    assert s.get(base + "/compte").status_code == 200
    # The same code again (same time step) is refused, even in another sign-in.
    s2, _ = password_step(base, email_)
    assert challenge(s2, base, totp(key)).status_code == 422


def test_wrong_codes_are_throttled(base, make_account):
    p = make_account("payer", password=PASSWORD, organisation_id=int(sql(
        "SELECT organisation_id FROM memberships m JOIN people p ON p.id = m.person_id WHERE p.email = "
        f"'{DEMO_ACCOUNTS['payer']}'")))
    s, r = post_login(base, p["_email"], PASSWORD)  # enrolled by the harness
    assert r.status_code == 303
    s, r = password_step(base, p["_email"])
    for _ in range(5):
        assert challenge(s, base, "999999").status_code == 422
    r = challenge(s, base, fresh_totp(p["_email"]))
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) > 0
    assert "patientez" in text(r)


def test_recovery_code_works_once(base, enrolled):
    email_, _, codes = enrolled
    s, _ = password_step(base, email_)
    r = challenge(s, base, codes[0].upper())
    assert r.status_code == 303, text(r)[:300]
    s2, _ = password_step(base, email_)
    r = challenge(s2, base, codes[0])
    assert r.status_code == 422 and "déjà servi" in text(r)
    assert "Codes de secours encore utilisables : 9" in text(s.get(base + "/compte/double-authentification"))


def test_step_up_after_ten_minutes(base, enrolled, make_account):
    """A sensitive action (roles here) asks for a code again once the last one is older than ten minutes; the page
    posts the same form with the code. The session's last check is moved back in time in the database."""
    email_, _, _ = enrolled
    s, r = post_login(base, email_, PASSWORD)
    assert r.status_code == 303
    admin = make_account("admin", password=PASSWORD)
    sa, r = post_login(base, admin["_email"], PASSWORD)
    target = make_account("viewer", password=PASSWORD)
    path = f"/admin/personnes/{target['id']}/roles"
    token = page_csrf(sa, base, f"/admin/personnes/{target['id']}")
    form = {"role": "regional", "organisation_id": "", "regions": "84", "csrf": token}
    # Fresh: straight through.
    assert sa.post(base + path, data=form, allow_redirects=False).status_code == 303
    sql("UPDATE sessions SET second_factor_at = second_factor_at - 601 WHERE person_id = "
        f"{person_id(admin['_email'])}")
    form["regions"] = "93"
    r = super(type(sa), sa).request("POST", base + path, data=form, allow_redirects=False)  # no automatic answer
    assert r.status_code == 403
    assert "Confirmer avec votre code" in text(r) and 'name="second_factor_code"' in r.text
    assert "Le formulaire contient des erreurs" not in text(r)  # asked, not yet wrong
    assert f'action="{path}"' in r.text and 'name="regions" value="93"' in r.text
    assert sql(f"SELECT COUNT(*) FROM memberships WHERE person_id = {target['id']}") == "2"
    bad = dict(form, second_factor_code="000000")
    r = super(type(sa), sa).request("POST", base + path, data=bad, allow_redirects=False)
    assert r.status_code == 403 and "Code incorrect" in text(r)
    good = dict(form, second_factor_code=fresh_totp(admin["_email"]))
    r = super(type(sa), sa).request("POST", base + path, data=good, allow_redirects=False)
    assert r.status_code == 303, text(r)[:300]
    assert sql(f"SELECT COUNT(*) FROM memberships WHERE person_id = {target['id']}") == "3"
    # Fresh again for ten minutes: the next sensitive action goes through.
    mid = sql(f"SELECT id FROM memberships WHERE person_id = {target['id']} AND role = 'regional' ORDER BY id LIMIT 1")
    r = super(type(sa), sa).request("POST", base + f"{path}/{mid}/retirer", data={"csrf": token, "confirmed": "1"},
                                    allow_redirects=False)  # the removal's confirmation step answered
    assert r.status_code == 303
    # The API: a problem, then the code in X-Second-Factor.
    sql("UPDATE sessions SET second_factor_at = second_factor_at - 601 WHERE person_id = "
        f"{person_id(admin['_email'])}")
    url = base + f"/api/v1/people/{target['id']}/memberships"
    r = super(type(sa), sa).request("POST", url, json={"role": "viewer"}, headers={"X-CSRF-Token": token})
    assert r.status_code == 403 and r.json()["title"] == "Double authentification requise"
    r = super(type(sa), sa).request("POST", url, json={"role": "viewer"},
                                    headers={"X-CSRF-Token": token, "X-Second-Factor": fresh_totp(admin["_email"])})
    assert r.status_code == 201, r.text
    # A person without a second factor (a regional officer) is never asked.
    sr, _ = post_login(base, DEMO_ACCOUNTS["regional"], DEMO_PASSWORD)
    r = super(type(sr), sr).request("POST", base + "/api/v1/tokens", json={"name": "sans second facteur"},
                                    headers={"X-CSRF-Token": page_csrf(sr, base, "/compte")})
    assert r.status_code == 201, r.text


def test_optional_for_other_roles(base, make_account):
    p = make_account("candidate", password=PASSWORD)
    s, r = post_login(base, p["_email"], PASSWORD)
    assert r.headers["location"] == "/"  # no second step
    page = s.get(base + "/compte/double-authentification")
    assert page.status_code == 200 and "Votre rôle exige" not in text(page)
    key = KEY.search(page.text).group(1)
    ok = s.post(base + "/compte/double-authentification",
                data={"csrf": csrf_from(page.text), "next": "/compte", "second_factor_code": totp(key)})
    assert ok.status_code == 201
    TOTP_SECRETS[p["_email"]] = key
    # Enrolled: the next sign-in asks for a code; then it can be removed (a fresh code: step-up).
    s2, r = post_login(base, p["_email"], PASSWORD, finish=False)
    assert r.headers["location"].startswith("/connexion/second-facteur")
    s2, r = post_login(base, p["_email"], PASSWORD)
    r = s2.post(base + "/compte/double-authentification/desactiver", data={"csrf": page_csrf(s2, base, "/compte")},
                allow_redirects=False)
    assert r.status_code == 303
    assert post_login(base, p["_email"], PASSWORD, finish=False)[1].headers["location"] == "/"


# ---------------------------------------------------------------------------------------------
# API tokens: scopes and expiry


@pytest.fixture(scope="module")
def national(base):
    s, r = post_login(base, DEMO_ACCOUNTS["national"], DEMO_PASSWORD)
    assert r.status_code == 303
    return s, page_csrf(s, base, "/compte")


def make_token(base, national, **body):
    s, token = national
    r = s.post(base + "/api/v1/tokens", json={"name": "portée", **body}, headers={"X-CSRF-Token": token})
    return r


def bearer(base, raw, method, path, **kw):
    import requests
    return requests.request(method, base + path, headers={"Authorization": f"Bearer {raw}"}, **kw)


def test_token_scopes(base, national):
    r = make_token(base, national, scopes=["places:read", "dossiers:read"])
    assert r.status_code == 201, r.text
    raw = r.json()["token"]
    assert bearer(base, raw, "GET", "/api/v1/dossiers").status_code == 200
    assert bearer(base, raw, "GET", "/api/v1/me").status_code == 200
    r = bearer(base, raw, "POST", "/api/v1/dossiers", json={})
    assert r.status_code == 403 and r.headers["content-type"].startswith("application/problem+json")
    assert "dossiers:write" in r.json()["detail"]
    r = bearer(base, raw, "GET", "/api/v1/payment-requests")
    assert r.status_code == 403 and "subsidies:read" in r.json()["detail"]
    # Pages need a full token; a scoped token makes no token.
    assert bearer(base, raw, "GET", "/compte").status_code == 403
    r = bearer(base, raw, "POST", "/api/v1/tokens", json={"name": "encore"})
    assert r.status_code == 403 and "accounts:write" in r.json()["detail"]
    # Even with the accounts area, a narrowed token makes no token (it would hand out more than it holds).
    acc = make_token(base, national, scopes="accounts:write").json()["token"]
    r = bearer(base, acc, "POST", "/api/v1/tokens", json={"name": "encore", "scopes": "*"})
    assert r.status_code == 403 and "limité" in r.json()["detail"]
    # Listed with its scopes and expiry (90 days by default), revocable.
    s, _ = national
    items = s.get(base + "/api/v1/tokens").json()["items"]
    mine = next(t for t in items if raw.startswith(t["prefix"]))
    assert mine["scopes"] == "places:read dossiers:read"
    assert 89 * 86400 < mine["expires_at"] - time.time() <= 92 * 86400
    # A token reaches only what its owner could: a national officer's token still cannot reach admin routes.
    full = make_token(base, national, scopes="*").json()["token"]
    assert bearer(base, full, "GET", "/api/v1/people").status_code == 403


def test_token_scope_write_and_checks(base, national):
    r = make_token(base, national, scopes=["dossiers:admin"])
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "scopes"
    r = make_token(base, national, scopes="places:read", expires_on="2020-01-01")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "expires_on"
    raw = make_token(base, national, scopes=["programmes:write"]).json()["token"]
    r = bearer(base, raw, "PATCH", "/api/v1/programmes/999999", json={})
    assert r.status_code != 403  # past the scope check (the programme does not exist)


def test_token_expiry(base, national):
    raw = make_token(base, national, scopes="places:read").json()["token"]
    assert bearer(base, raw, "GET", "/api/v1/regions").status_code == 200
    sql(f"UPDATE api_tokens SET expires_at = 1000 WHERE prefix = '{raw[:10]}'")
    r = bearer(base, raw, "GET", "/api/v1/dossiers")
    assert r.status_code == 401 and "a expiré" in r.json()["detail"]


def test_token_form_with_scopes(base, national):
    s, token = national
    r = s.post(base + "/compte/jetons", data={"name": "sans portée", "csrf": token})
    assert r.status_code == 422 and "choisissez au moins un domaine" in text(r)
    r = s.post(base + "/compte/jetons", data={"name": "tableau de bord", "scope_steering": "read",
                                              "scope_activity": "read", "csrf": token})
    assert r.status_code == 201
    assert "activity:read steering:read" in text(r)
    raw = re.search(r'<code id="nouveau-jeton">([^<]+)</code>', r.text).group(1)
    assert bearer(base, raw, "GET", "/api/v1/steering/indicators").status_code == 200
    assert bearer(base, raw, "GET", "/api/v1/places").status_code == 200  # public: any token
    assert bearer(base, raw, "GET", "/api/v1/dossiers").status_code == 403


def test_openapi_states_scopes(base):
    import requests
    doc = requests.get(base + "/api/v1/openapi.json").json()
    op = doc["paths"]["/api/v1/dossiers"]["get"]
    assert op["x-token-scope"] == "dossiers:read"
    assert op["security"] == [{"bearer": []}, {"session": []}]
    assert "dossiers:read" in op["description"]
    put = doc["paths"]["/api/v1/organisations/{id}/bank-details"]["put"]
    assert put["x-token-scope"] == "subsidies:write" and put["x-second-factor"] is True
    assert "x-token-scope" not in doc["paths"]["/api/v1/me"]["get"]
    assert doc["paths"]["/api/v1/places"]["get"]["security"] == []
