"""/compte: identity and roles, password change, API tokens made and revoked from the page."""
import re

import pytest
import requests

from conftest import page_csrf, post_login, text

NEW_TOKEN = re.compile(r"\b(trp_[A-Za-z0-9_-]{20,})")
REVOKE = re.compile(r'action="/compte/jetons/(\d+)/revoquer"')


@pytest.fixture
def person(make_account, login):
    """A fresh candidate, signed in: (person JSON, session, password)."""
    password = "mot de passe du compte"
    p = make_account("candidate", password=password, name="Céline Compte")
    return p, login(p["_email"], password), password


def test_account_page_needs_sign_in(base):
    r = requests.get(base + "/compte", allow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/connexion?suivant=/compte"


def test_account_page_shows_identity_and_roles(base, person):
    p, s, _ = person
    r = s.get(base + "/compte")
    assert r.status_code == 200
    assert 'lang="fr"' in r.text
    assert "Céline Compte" in text(r)
    assert p["_email"] in r.text
    assert "Candidat ou recruté" in r.text
    for name in ("current_password", "password", "password_confirm"):
        assert f'name="{name}"' in r.text
    assert 'action="/compte/jetons"' in r.text


@pytest.mark.parametrize("role,texts", [
    ("regional", ["Chargé de mission régional", "84"]),
    ("employer", ["Structure employeuse", "Les Ateliers numériques de la vallée de la Drôme"]),
    ("admin", ["Administrateur de la plateforme"]),
])
def test_account_page_of_demo_roles(base, sessions, role, texts):
    r = sessions[role].get(base + "/compte")
    assert r.status_code == 200
    for t in texts:
        assert t in text(r), t


# ---------------------------------------------------------------------------------------------
# Password change


@pytest.mark.parametrize("fields,status,message", [
    ({"current_password": "pas le bon", "password": "nouveau mot de passe", "password_confirm": "nouveau mot de passe"},
     422, "Mot de passe actuel » est incorrect"),
    ({"current_password": None, "password": "nouveau mot de passe", "password_confirm": "autre mot de passe"},
     422, "La confirmation ne correspond pas"),
    ({"current_password": None, "password": "court", "password_confirm": "court"}, 422, "12 caractères"),
    ({"current_password": None, "password": "", "password_confirm": ""}, 422, "est obligatoire"),
])
def test_password_change_errors(base, person, fields, status, message):
    _, s, password = person
    data = {k: (password if v is None else v) for k, v in fields.items()}
    data["csrf"] = page_csrf(s, base, "/compte")
    r = s.post(base + "/compte/mot-de-passe", data=data, allow_redirects=False)
    assert r.status_code == status
    assert message in text(r)
    assert "Erreur" in r.text.split("</title>")[0]


def test_password_change_needs_csrf(base, person):
    _, s, password = person
    r = s.post(base + "/compte/mot-de-passe", data={"current_password": password, "password": "x" * 14,
                                                     "password_confirm": "x" * 14}, allow_redirects=False)
    assert r.status_code == 403


def test_password_change_closes_the_other_sessions(base, person, login):
    p, s, password = person
    other = login(p["_email"], password)
    new = "mon nouveau mot de passe"
    r = s.post(base + "/compte/mot-de-passe", data={"current_password": password, "password": new,
                                                     "password_confirm": new, "csrf": page_csrf(s, base, "/compte")},
               allow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/compte"
    page = s.get(base + "/compte")
    assert page.status_code == 200  # this session stays open
    assert "Votre mot de passe a été changé" in text(page)
    r = other.get(base + "/compte", allow_redirects=False)
    assert r.status_code == 303  # the other one is closed
    assert post_login(base, p["_email"], password)[1].status_code == 422
    login(p["_email"], new)


# ---------------------------------------------------------------------------------------------
# API tokens from the account page


def create_token(base, s, name):
    r = s.post(base + "/compte/jetons", data={"name": name, "full": "1", "csrf": page_csrf(s, base, "/compte")})
    return r


def test_token_created_shown_once_and_revoked(base, person):
    _, s, _ = person
    r = create_token(base, s, "export mensuel")
    assert r.status_code == 201
    m = NEW_TOKEN.search(r.text)
    assert m, "the new token is not shown"
    token = m.group(1)
    bearer = {"Authorization": f"Bearer {token}"}
    listed = requests.get(base + "/api/v1/tokens", headers=bearer)
    assert listed.status_code == 200
    assert "export mensuel" in [t["name"] for t in listed.json()["items"]]

    page = s.get(base + "/compte").text
    assert token not in page  # shown once only
    assert "export mensuel" in page
    assert token[:10] in page  # its prefix identifies it
    ids = REVOKE.findall(page)
    assert len(ids) == 1

    r = s.post(base + f"/compte/jetons/{ids[0]}/revoquer", data={"csrf": page_csrf(s, base, "/compte")},
               allow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/compte"
    r = requests.get(base + "/api/v1/tokens", headers=bearer)
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    page = s.get(base + "/compte").text
    assert "Révoqué" in page
    r = s.post(base + f"/compte/jetons/{ids[0]}/revoquer", data={"csrf": page_csrf(s, base, "/compte")},
               allow_redirects=False)
    assert r.status_code == 404


def test_token_needs_a_name(base, person):
    _, s, _ = person
    r = create_token(base, s, "")
    assert r.status_code == 422
    assert "Nom du jeton" in text(r)
    assert not NEW_TOKEN.search(r.text)


def test_token_name_is_escaped(base, person):
    _, s, _ = person
    r = create_token(base, s, '<img src=x onerror="alert(1)">')
    assert r.status_code == 201
    page = s.get(base + "/compte").text
    assert "<img src=x" not in page
    assert "&lt;img src=x" in page


def test_token_forms_need_csrf(base, person):
    _, s, _ = person
    assert s.post(base + "/compte/jetons", data={"name": "sans csrf"}).status_code == 403
    assert s.post(base + "/compte/jetons/1/revoquer", data={}).status_code == 403


def test_nobody_revokes_the_token_of_someone_else(base, person, make_account, login):
    _, s, _ = person
    token = NEW_TOKEN.search(create_token(base, s, "le mien").text).group(1)
    token_id = REVOKE.findall(s.get(base + "/compte").text)[0]
    q = make_account("viewer", password="mot de passe de l'autre")
    intruder = login(q["_email"], "mot de passe de l'autre")
    r = intruder.post(base + f"/compte/jetons/{token_id}/revoquer", data={"csrf": page_csrf(intruder, base)},
                      allow_redirects=False)
    assert r.status_code == 403
    assert requests.get(base + "/api/v1/tokens", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_a_password_change_revokes_the_api_tokens_and_says_so(base, person, wait_mail):
    """Finding 6 of issue 11: API tokens survived a change of password."""
    p, s, password = person
    tokens = [NEW_TOKEN.search(create_token(base, s, name).text).group(1) for name in ("robot un", "robot deux")]
    for t in tokens:
        assert requests.get(base + "/api/v1/me", headers={"Authorization": f"Bearer {t}"}).status_code == 200
    new = "un mot de passe tout neuf"
    r = s.post(base + "/compte/mot-de-passe", data={"current_password": password, "password": new,
                                                     "password_confirm": new, "csrf": page_csrf(s, base, "/compte")},
               allow_redirects=False)
    assert r.status_code == 303
    page = text(s.get(base + "/compte"))
    assert "jetons d'accès à l'API révoqués" in page  # the confirmation says so
    for t in tokens:
        assert requests.get(base + "/api/v1/me", headers={"Authorization": f"Bearer {t}"}).status_code == 401
    # The list shows each as revoked, and why.
    assert page.count("suite à votre changement de mot de passe") == 2
    assert not REVOKE.findall(page)
    # The owner is told by email, in case it was not them.
    body = wait_mail(p["_email"], "a été changé")
    assert "jetons d'accès à l'API (2) révoqués" in body and "/mot-de-passe-oublie" in body
