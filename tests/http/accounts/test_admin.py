"""Administration pages: who may open them, people, roles, invitations, organisations, the journal."""
import re
from urllib.parse import quote

import pytest
import requests

from conftest import (NON_ADMIN_ROLES, ROLES, csrf_from, journal_verify, luhn_siret, org_id, page_csrf, person_id,
                      post_login, sql, sql_int, text, unique, unique_email)

EPN = "Les Ateliers numériques de la vallée de la Drôme"
MISSION_LOCALE = "Mission locale Vallée de la Drôme"
PERSON_LOCATION = re.compile(r"^/admin/personnes/(\d+)$")
ORG_LOCATION = re.compile(r"^/admin/structures/(\d+)$")
VERSION_INPUT = re.compile(r'<input type="hidden" name="version" value="(\d+)"')


@pytest.fixture(scope="module")
def ids(make_account):
    """Ids used in the paths: a victim person (not a demo account), one of its memberships, a demo organisation."""
    victim = make_account("viewer", password="mot de passe de la cible", name="Victor Cible")
    return {
        "person": victim["id"],
        "membership": victim["memberships"][0]["id"] if victim.get("memberships") else
        sql_int(f"SELECT id FROM memberships WHERE person_id = {victim['id']}"),
        "org": org_id(EPN),
    }


ADMIN_PAGES = [
    "/admin/personnes",
    "/admin/personnes?q=demo",
    "/admin/personnes/nouvelle",
    "/admin/personnes/{person}",
    "/admin/structures",
    "/admin/structures/nouvelle",
    "/admin/structures/{org}",
    "/admin/journal",
]

ADMIN_POSTS = [
    ("/admin/personnes/nouvelle", {"email": "intrus@exemple.fr", "name": "Intrus", "role": "admin"}),
    ("/admin/personnes/{person}", {"name": "Piraté", "active": "1", "version": "1"}),
    ("/admin/personnes/{person}/inviter", {}),
    ("/admin/personnes/{person}/roles", {"role": "admin"}),
    ("/admin/personnes/{person}/roles/{membership}/retirer", {}),
    ("/admin/structures/nouvelle", {"name": "Intruse", "kind": "employer"}),
    ("/admin/structures/{org}", {"name": "Piratée", "kind": "employer", "version": "1"}),
]


def fill(path, ids):
    return path.format(**ids)


def form(session, base, path):
    """GETs PATH and returns (page text, csrf token of the page)."""
    r = session.get(base + path)
    assert r.status_code == 200, (path, r.status_code)
    return r.text, csrf_from(r.text)


def version_of(html):
    m = VERSION_INPUT.search(html)
    assert m, "the edit form does not carry the version"
    return m.group(1)


# ---------------------------------------------------------------------------------------------
# Who may open what


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_page_anonymous_goes_to_login(base, ids, path):
    p = fill(path, ids)
    r = requests.get(base + p, allow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/connexion?suivant=" + quote(p.split("?")[0], safe="/")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_page_access_by_role(base, sessions, ids, role, path):
    r = sessions[role].get(base + fill(path, ids), allow_redirects=False)
    if role == "admin":
        assert r.status_code == 200, r.text[:500]
        assert 'lang="fr"' in r.text
    else:
        assert r.status_code == 403
        assert "Accès refusé" in r.text
        assert 'lang="fr"' in r.text


@pytest.mark.parametrize("role", ROLES)
def test_admin_root(base, sessions, role):
    r = sessions[role].get(base + "/admin", allow_redirects=False)
    if role == "admin":
        assert r.status_code in (302, 303)
        assert r.headers["location"] == "/admin/personnes"
    else:
        assert r.status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_admin_navigation_only_for_admins(base, sessions, role):
    html = sessions[role].get(base + "/").text
    assert ('href="/admin/personnes"' in html) == (role == "admin")


@pytest.fixture(scope="module")
def role_csrf(sessions, base):
    cache = {}

    def get(role):
        if role not in cache:
            cache[role] = page_csrf(sessions[role], base)
        return cache[role]

    return get


@pytest.mark.parametrize("role", NON_ADMIN_ROLES)
@pytest.mark.parametrize("path,data", ADMIN_POSTS, ids=[p for p, _ in ADMIN_POSTS])
def test_admin_change_refused_to_other_roles(base, sessions, ids, role_csrf, role, path, data):
    state = (f"SELECT p.name, p.active, p.version, (SELECT COUNT(*) FROM memberships WHERE person_id = p.id), "
             "(SELECT COUNT(*) FROM people WHERE email = 'intrus@exemple.fr'), "
             "(SELECT COUNT(*) FROM organisations WHERE name IN ('Intruse', 'Piratée')) "
             f"FROM people p WHERE p.id = {ids['person']}")
    before = sql(state)
    r = sessions[role].post(base + fill(path, ids), data={**data, "csrf": role_csrf(role)}, allow_redirects=False)
    assert r.status_code == 403
    assert "Accès refusé" in r.text
    after = sql(state)
    assert after == before
    assert after.endswith("|0|0")


@pytest.mark.parametrize("path,data", ADMIN_POSTS, ids=[p for p, _ in ADMIN_POSTS])
def test_admin_change_anonymous_goes_to_login(base, ids, path, data):
    s = requests.Session()
    token = csrf_from(s.get(base + "/connexion").text)
    r = s.post(base + fill(path, ids), data={**data, "csrf": token}, allow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/connexion?suivant=")


@pytest.mark.parametrize("path,data", ADMIN_POSTS, ids=[p for p, _ in ADMIN_POSTS])
def test_admin_change_without_csrf_is_403(base, admin, ids, path, data):
    r = admin.post(base + fill(path, ids), data=data, allow_redirects=False)
    assert r.status_code == 403
    assert "jeton de sécurité" in r.text


# ---------------------------------------------------------------------------------------------
# People


def listed_people(html):
    """The names linked from the people table."""
    return set(re.findall(r'<a href="/admin/personnes/\d+">([^<]+)</a>', html))


def test_people_list_and_search(base, admin):
    names = listed_people(admin.get(base + "/admin/personnes").text)
    assert {"Camille Administratrice", "Rémi Chargé-de-mission", "Chloé Candidate"} <= names
    names = listed_people(admin.get(base + "/admin/personnes", params={"q": "rémi"}).text)
    assert names == {"Rémi Chargé-de-mission"}
    names = listed_people(admin.get(base + "/admin/personnes", params={"q": "prescripteur@demo"}).text)
    assert names == {"Priscille Mission-locale"}
    html = admin.get(base + "/admin/personnes", params={"q": "<script>alert(1)</script>"}).text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_new_person_form(base, admin):
    html, _ = form(admin, base, "/admin/personnes/nouvelle")
    for name in ("email", "name", "role", "organisation_id", "regions"):
        assert f'name="{name}"' in html, name
    assert 'value="regional"' in html  # the roles are offered
    assert EPN in html  # so are the organisations


def test_create_person_sends_an_invitation(base, admin, mailbox):
    html, token = form(admin, base, "/admin/personnes/nouvelle")
    email = unique_email("nouvelle")
    r = admin.post(base + "/admin/personnes/nouvelle",
                   data={"email": email, "name": "Noémie Nouvelle", "role": "employer",
                         "organisation_id": str(org_id(EPN)), "regions": "", "csrf": token}, allow_redirects=False)
    assert r.status_code == 303, r.text[:1000]
    m = PERSON_LOCATION.match(r.headers["location"])
    assert m, r.headers["location"]
    pid = int(m.group(1))
    assert pid == person_id(email)
    page = admin.get(base + r.headers["location"])
    assert page.status_code == 200
    assert "Noémie Nouvelle" in page.text and email in page.text
    assert "Structure employeuse" in page.text and EPN in page.text
    assert "invitation envoyée" in page.text  # the flash message

    msg = mailbox.wait_message(email, "tremplin")
    body = msg["message"].get_content()
    assert re.search(re.escape(base) + r"/invitation/[A-Za-z0-9_-]{20,}", body), body

    assert sql(f"SELECT COUNT(*) FROM journal WHERE entity = 'person' AND entity_id = {pid} AND action = 'create'") == "1"
    journal = admin.get(base + "/admin/journal").text
    assert email in journal
    assert "admin@demo.tremplin.fr" in journal


@pytest.mark.parametrize("fields,message", [
    ({"email": ""}, "« Adresse électronique » est obligatoire"),
    ({"email": "pas-une-adresse"}, "n'est pas une adresse électronique valide"),
    ({"name": ""}, "« Nom et prénom » est obligatoire"),
    ({"role": "empereur"}, "n'est pas une valeur de la liste proposée"),
    ({"role": "regional", "regions": ""}, "« Régions » est obligatoire pour ce rôle"),
    ({"role": "regional", "regions": "84,99"}, "le code 99 ne désigne aucune région"),
    ({"role": "employer", "organisation_id": ""}, "« Structure » est obligatoire pour ce rôle"),
    ({"role": "employer", "organisation_id": "@ML"}, "doit être de type"),
    ({"email": "ADMIN@demo.tremplin.fr"}, "Un compte existe déjà avec cette adresse électronique"),
])
def test_create_person_errors(base, admin, fields, message):
    html, token = form(admin, base, "/admin/personnes/nouvelle")
    data = {"email": unique_email("err"), "name": "Élodie Erreur", "role": "viewer", "organisation_id": "",
            "regions": "", "csrf": token, **fields}
    if data["organisation_id"] == "@ML":
        data["organisation_id"] = str(org_id(MISSION_LOCALE))
    count = sql("SELECT COUNT(*) FROM people")
    r = admin.post(base + "/admin/personnes/nouvelle", data=data, allow_redirects=False)
    assert r.status_code == 422
    assert message in text(r)
    assert "<title>Erreur" in r.text
    if fields.get("name", None) != "":
        assert 'value="Élodie Erreur"' in r.text  # the values are kept
    assert sql("SELECT COUNT(*) FROM people") == count


def test_update_person_and_stale_version(base, admin, make_account, login):
    p = make_account("viewer", password="mot de passe modifiable", name="Mathieu Modifié")
    path = f"/admin/personnes/{p['id']}"
    html, token = form(admin, base, path)
    version = version_of(html)
    r = admin.post(base + path, data={"name": "Mathieu Renommé", "active": "1", "version": version, "csrf": token},
                   allow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == path
    html = admin.get(base + path).text
    assert "Mathieu Renommé" in html
    assert int(version_of(html)) == int(version) + 1
    # The same form sent again with the version it was read at: refused, nothing changed.
    r = admin.post(base + path, data={"name": "Mathieu Écrasé", "active": "1", "version": version, "csrf": token},
                   allow_redirects=False)
    assert r.status_code == 409
    assert 'lang="fr"' in r.text
    assert "Mathieu Écrasé" not in admin.get(base + path).text
    assert sql(f"SELECT name FROM people WHERE id = {p['id']}") == "Mathieu Renommé"


def test_update_person_invalid_is_422(base, admin):
    pid = person_id("candidat@demo.tremplin.fr")
    path = f"/admin/personnes/{pid}"
    html, token = form(admin, base, path)
    r = admin.post(base + path, data={"name": "", "active": "1", "version": version_of(html), "csrf": token})
    assert r.status_code == 422
    assert "« Nom et prénom » est obligatoire" in text(r)
    assert sql(f"SELECT name FROM people WHERE id = {pid}") == "Chloé Candidate"


def test_deactivated_person_is_signed_out_and_cannot_sign_in(base, admin, make_account, login):
    pw = "mot de passe bientot inactif"
    p = make_account("viewer", password=pw, name="Denis Dormant")
    s = login(p["_email"], pw)
    path = f"/admin/personnes/{p['id']}"
    html, token = form(admin, base, path)
    r = admin.post(base + path, data={"name": "Denis Dormant", "version": version_of(html), "csrf": token},
                   allow_redirects=False)  # the "active" checkbox unticked
    assert r.status_code == 303
    assert "Désactivé" in admin.get(base + "/admin/personnes", params={"q": "Denis"}).text
    assert s.get(base + "/compte", allow_redirects=False).status_code == 303
    assert post_login(base, p["_email"], pw)[1].status_code == 422


def test_person_page_of_unknown_id_is_404(base, admin):
    assert admin.get(base + "/admin/personnes/999999").status_code == 404
    assert admin.get(base + "/admin/personnes/abc").status_code == 404


def test_add_and_remove_a_role(base, admin, make_account):
    p = make_account("viewer", password="mot de passe des roles", name="Rose Rôles")
    path = f"/admin/personnes/{p['id']}"
    _, token = form(admin, base, path)
    r = admin.post(base + path + "/roles", data={"role": "regional", "organisation_id": "", "regions": "84, 93",
                                                 "csrf": token}, allow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == path
    html = admin.get(base + path).text
    assert "Chargé de mission régional" in html
    assert sql("SELECT mr.region_code FROM membership_regions mr JOIN memberships m ON m.id = mr.membership_id "
               f"WHERE m.person_id = {p['id']} AND m.role = 'regional' ORDER BY mr.region_code").split() == ["84", "93"]
    mid = sql_int(f"SELECT id FROM memberships WHERE person_id = {p['id']} AND role = 'regional'")
    assert f'action="{path}/roles/{mid}/retirer"' in html

    # Asked first, the role and the person named; nothing removed until confirmed.
    r = admin.post(base + f"{path}/roles/{mid}/retirer", data={"csrf": token}, allow_redirects=False)
    assert r.status_code == 200
    assert "Retirer le rôle « Chargé de mission régional (SGAR) » à Rose Rôles ?" in text(r)
    assert 'name="confirmed" value="1"' in r.text and f'href="{path}"' in r.text
    assert sql(f"SELECT COUNT(*) FROM memberships WHERE id = {mid}") == "1"
    r = admin.post(base + f"{path}/roles/{mid}/retirer", data={"csrf": token, "confirmed": "1"},
                   allow_redirects=False)
    assert r.status_code == 303
    assert sql(f"SELECT COUNT(*) FROM memberships WHERE id = {mid}") == "0"
    assert f"/roles/{mid}/retirer" not in admin.get(base + path).text
    assert sql(f"SELECT COUNT(*) FROM journal WHERE entity = 'membership' AND entity_id = {mid}") == "2"

    r = admin.post(base + f"{path}/roles/{mid}/retirer", data={"csrf": token}, allow_redirects=False)
    assert r.status_code == 404


def test_granting_the_admin_role_is_confirmed_first(base, admin, make_account):
    p = make_account("viewer", password="mot de passe du futur admin", name="Félix Futur")
    path = f"/admin/personnes/{p['id']}"
    _, token = form(admin, base, path)
    data = {"role": "admin", "organisation_id": "", "regions": "", "csrf": token}
    r = admin.post(base + path + "/roles", data=data, allow_redirects=False)
    assert r.status_code == 200 and "Donner le rôle d'administrateur à cette personne ?" in text(r)
    assert "tout lire et tout modifier" in text(r)
    assert sql(f"SELECT COUNT(*) FROM memberships WHERE person_id = {p['id']} AND role = 'admin'") == "0"
    r = admin.post(base + path + "/roles", data=dict(data, confirmed="1"), allow_redirects=False)
    assert r.status_code == 303
    assert sql(f"SELECT COUNT(*) FROM memberships WHERE person_id = {p['id']} AND role = 'admin'") == "1"


def test_add_role_invalid_is_422(base, admin, ids):
    path = f"/admin/personnes/{ids['person']}"
    _, token = form(admin, base, path)
    r = admin.post(base + path + "/roles", data={"role": "sponsor", "organisation_id": str(org_id(EPN)),
                                                 "regions": "", "csrf": token})
    assert r.status_code == 422
    assert "doit être de type" in text(r)


def test_an_admin_cannot_remove_their_own_admin_role(base, make_account, login):
    pw = "mot de passe second admin"
    p = make_account("admin", password=pw, name="Adèle Admin")
    s = login(p["_email"], pw)
    mid = sql_int(f"SELECT id FROM memberships WHERE person_id = {p['id']} AND role = 'admin'")
    r = s.post(base + f"/admin/personnes/{p['id']}/roles/{mid}/retirer", data={"csrf": page_csrf(s, base)},
               allow_redirects=False)
    assert r.status_code == 409
    assert sql(f"SELECT COUNT(*) FROM memberships WHERE id = {mid}") == "1"


def test_membership_removed_through_another_person_path_is_refused(base, admin, make_account):
    """/admin/personnes/A/roles/M/retirer must not remove M when M belongs to someone else than A."""
    a = make_account("viewer", password="mot de passe A a", name="Alice A")
    b = make_account("viewer", password="mot de passe B b", name="Bruno B")
    mid_b = sql_int(f"SELECT id FROM memberships WHERE person_id = {b['id']}")
    r = admin.post(base + f"/admin/personnes/{a['id']}/roles/{mid_b}/retirer", data={"csrf": page_csrf(admin, base)},
                   allow_redirects=False)
    assert r.status_code in (404, 409, 422)
    assert sql(f"SELECT COUNT(*) FROM memberships WHERE id = {mid_b}") == "1"


def test_invite_again_sends_a_new_link(base, admin, make_account, mailbox):
    p = make_account("viewer", name="Iris Réinvitée")
    mailbox.wait_message(p["_email"], "tremplin")  # the first invitation
    r = admin.post(base + f"/admin/personnes/{p['id']}/inviter", data={"csrf": page_csrf(admin, base)},
                   allow_redirects=False)
    assert r.status_code == 303
    body = mailbox.wait_message(p["_email"], "tremplin")["message"].get_content()
    assert f"{base}/invitation/" in body
    assert sql(f"SELECT COUNT(*) FROM journal WHERE entity = 'person' AND entity_id = {p['id']} "
               "AND action = 'invite'") == "1"


# ---------------------------------------------------------------------------------------------
# Organisations


def test_organisations_list(base, admin):
    html = admin.get(base + "/admin/structures").text
    assert EPN in html and MISSION_LOCALE in html
    assert "Structure employeuse" in html  # the kind's label
    html = admin.get(base + "/admin/structures", params={"q": "mission"}).text
    assert MISSION_LOCALE in html and EPN not in html


def create_org(base, admin, **fields):
    _, token = form(admin, base, "/admin/structures/nouvelle")
    data = {"name": unique("Structure "), "kind": "employer", "siret": luhn_siret(), "rna": "",
            "address": "1 place de la Mairie", "commune_code": "26108", "csrf": token, **fields}
    return data, admin.post(base + "/admin/structures/nouvelle", data=data, allow_redirects=False)


def test_create_and_update_an_organisation(base, admin):
    html, _ = form(admin, base, "/admin/structures/nouvelle")
    for name in ("name", "kind", "siret", "rna", "address", "commune_code"):
        assert f'name="{name}"' in html
    data, r = create_org(base, admin, name="Médiathèque de Crest")
    assert r.status_code == 303, r.text[:1000]
    m = ORG_LOCATION.match(r.headers["location"])
    assert m
    oid = int(m.group(1))
    path = r.headers["location"]
    html = admin.get(base + path).text
    assert "Médiathèque de Crest" in html
    assert data["siret"] in html
    version = version_of(html)
    _, token = form(admin, base, path)
    upd = {**data, "name": "Médiathèque municipale de Crest", "version": version, "csrf": token}
    r = admin.post(base + path, data=upd, allow_redirects=False)
    assert r.status_code == 303
    assert "Médiathèque municipale de Crest" in admin.get(base + path).text
    r = admin.post(base + path, data={**upd, "name": "Écrasée"}, allow_redirects=False)
    assert r.status_code == 409
    assert sql(f"SELECT name FROM organisations WHERE id = {oid}") == "Médiathèque municipale de Crest"
    assert sql(f"SELECT COUNT(*) FROM journal WHERE entity = 'organisation' AND entity_id = {oid}") == "2"


def _bad_siret():
    s = luhn_siret()
    return s[:-1] + str((int(s[-1]) + 1) % 10)


@pytest.mark.parametrize("fields,message", [
    ({"name": ""}, "« Nom » est obligatoire"),
    ({"kind": "club"}, "n'est pas une valeur de la liste proposée"),
    ({"siret": "@BAD"}, "SIRET valide"),
    ({"siret": "1234"}, "SIRET valide"),
    ({"rna": "X123"}, "W suivi de 9 chiffres"),
    ({"commune_code": "00000"}, "ne désigne aucune commune"),
])
def test_create_organisation_errors(base, admin, fields, message):
    if fields.get("siret") == "@BAD":
        fields = {"siret": _bad_siret()}
    count = sql("SELECT COUNT(*) FROM organisations")
    _, r = create_org(base, admin, **fields)
    assert r.status_code == 422
    assert message in text(r)
    assert sql("SELECT COUNT(*) FROM organisations") == count


def test_duplicate_siret_is_refused_on_the_siret_field(base, admin):
    data, r = create_org(base, admin)
    assert r.status_code == 303
    _, r = create_org(base, admin, siret=data["siret"])
    assert r.status_code == 422
    assert "Une structure est déjà enregistrée avec ce SIRET" in text(r)


def test_organisation_page_lists_its_members(base, admin):
    html = admin.get(base + f"/admin/structures/{org_id(EPN)}").text
    assert "Sébastien Structure" in html
    assert f'href="/admin/personnes/{person_id("structure@demo.tremplin.fr")}"' in html


def test_unknown_organisation_is_404(base, admin):
    assert admin.get(base + "/admin/structures/999999").status_code == 404


# ---------------------------------------------------------------------------------------------
# The journal


def test_journal_page_lists_the_latest_changes(base, admin):
    _, r = create_org(base, admin, name="Structure du journal")
    assert r.status_code == 303
    html = admin.get(base + "/admin/journal").text
    assert "Structure du journal" in html
    assert "admin@demo.tremplin.fr" in html
    assert "organisation" in html


def test_journal_chain_intact_after_the_admin_changes(server):
    r = journal_verify()
    assert r.returncode == 0, r.stderr
    assert "chain intact" in r.stdout
