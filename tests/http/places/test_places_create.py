"""Creating one place: POST /api/v1/places (201 with Location, 422 naming the fields, who may) and the page
/lieux/nouveau (the edit form, reused); the likely duplicates a creation finds (on the place's page, in the API's
answer, at /admin/doublons); a place's timeline on its page for those who may edit it (journal entries keyed by
the place's id)."""
import json
import re
import time

import pytest
import requests

from conftest import DEMO_ACCOUNTS, csrf_from, journal_verify, page_csrf, sql, sql_int, text, unique

NEW = "/lieux/nouveau"


def body(**values):
    """A valid new place in the standard's field names (no id: the platform makes one)."""
    b = {"pivot": "43493312300029", "nom": "Espace numérique " + unique(""), "commune": "Reims",
         "code_postal": "51100", "code_insee": "51454", "adresse": f"{unique('')} rue de Vesle",
         "services": "Aide aux démarches administratives"}
    b.update(values)
    return b


def employer_org():
    return sql_int("SELECT m.organisation_id FROM memberships m JOIN people p ON p.id = m.person_id "
                   f"WHERE p.email = '{DEMO_ACCOUNTS['employer']}' AND m.role = 'employer'")


def post_as(sessions, base, role, json_body):
    """POST /api/v1/places with the session of ROLE and its CSRF token (the API with a session cookie)."""
    s = sessions[role]
    return s.post(base + "/api/v1/places", json=json_body, headers={"X-CSRF-Token": page_csrf(s, base)})


# ---------------------------------------------------------------------------------------------
# The API


def test_api_creates_a_place(base, api):
    b = body(latitude=49.2583, longitude="4.0317", horaires="Mo-Fr 09:00-12:00", netpublic=True,
             networks=["epi"], telephone="+33326000000")
    r = api.post(base + "/api/v1/places", json=b)
    assert r.status_code == 201, r.text
    place = r.json()
    pid = place["id"]
    assert pid.startswith("tremplin-")
    assert r.headers["location"] == f"/api/v1/places/{pid}"
    assert place["nom"] == b["nom"] and place["latitude"] == 49.2583 and place["longitude"] == 4.0317
    assert place["netpublic"] is True and place["networks"] == ["epi"] and place["coords_approx"] is False
    assert place["departement_code"] == "51" and place["horaires_fr"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", place["date_maj"])
    assert place["likely_duplicates"] == []
    got = requests.get(base + r.headers["location"])
    assert got.status_code == 200 and got.json()["nom"] == b["nom"]
    # The journal entry carries the place's id as its key.
    assert sql(f"SELECT action FROM journal WHERE entity = 'place' AND entity_key = '{pid}'") == "create"
    assert journal_verify().returncode == 0


def test_search_finds_a_name_without_its_accents(base, api):
    """« Nguyễn Đặng » is found by « nguyen dang », and the other way round (utf8proc's folding: stacked accents,
    đ); the index of the servers picks the new place up within a second or so."""
    tag = unique("")
    r = api.post(base + "/api/v1/places", json=body(nom=f"Maison Nguyễn Đặng {tag}"))
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    for q in (f"nguyen dang {tag}", f"NGUYỄN {tag}", f"Đang {tag}"):
        deadline = time.time() + 15
        while True:
            got = requests.get(base + "/api/v1/places", params={"q": q})
            assert got.status_code == 200, got.text
            found = [p["id"] for p in got.json()["items"]]
            if found == [pid] or time.time() > deadline:
                break
            time.sleep(0.2)
        assert found == [pid], q


def test_api_given_id_and_taken_id(base, api):
    pid = unique("api-")
    r = api.post(base + "/api/v1/places", json=body(id=pid))
    assert r.status_code == 201 and r.json()["id"] == pid
    r = api.post(base + "/api/v1/places", json=body(id=pid))
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    fields = {e["field"]: e["message"] for e in r.json()["errors"]}
    assert "est déjà l'identifiant d'un autre lieu" in fields["id"]


def test_api_invalid_fields_are_named(base, api):
    r = api.post(base + "/api/v1/places", json={"nom": "", "code_postal": "5100", "commune": "Reims",
                                                 "services": "Pas un service", "netpublic": True, "pivot": [1]})
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["status"] == 422
    fields = {e["field"] for e in problem["errors"]}
    assert {"nom", "code_postal", "adresse", "services", "pivot"} <= fields
    r = api.post(base + "/api/v1/places", data="[1]", headers={"content-type": "application/json"})
    assert r.status_code == 400


def test_api_who_may_create(base, sessions):
    r = post_as(sessions, base, "employer", body())
    assert r.status_code == 201, r.text
    assert r.json()["organisation_id"] == employer_org()
    other = sql_int("SELECT MIN(id) FROM organisations WHERE id <> %d" % employer_org())
    assert post_as(sessions, base, "employer", body(organisation_id=other)).status_code == 403
    for role in ("candidate", "regional", "viewer"):
        assert post_as(sessions, base, role, body()).status_code == 403
    assert requests.post(base + "/api/v1/places", json=body()).status_code == 401
    assert post_as(sessions, base, "national", body()).status_code == 201


# ---------------------------------------------------------------------------------------------
# The page


def form_data(page, **values):
    data = {"csrf": csrf_from(page.text), "formulaire_complet": "1"}
    data.update(values)
    return data


def test_page_creates_a_place(base, sessions):
    s = sessions["national"]
    page = s.get(base + NEW)
    assert page.status_code == 200
    assert "<h1>Nouveau lieu</h1>" in page.text and 'action="/lieux/nouveau"' in page.text
    assert 'name="version"' not in page.text  # nothing to be stale against
    nom = "Médiathèque " + unique("")
    r = s.post(base + NEW, data=form_data(page, **body(nom=nom, services=["Aide aux démarches administratives",
                                                                          "Loisirs et créations numériques"],
                                                       netpublic="1")), allow_redirects=False)
    assert r.status_code == 303, text(r)
    pid = r.headers["location"].rsplit("/", 1)[1]
    assert sql(f"SELECT nom, netpublic, coords_approx FROM places WHERE id = '{pid}'") == f"{nom}|1|1"
    assert set(sql(f"SELECT services FROM places WHERE id = '{pid}'").split("|")) == {
        "Aide aux démarches administratives", "Loisirs et créations numériques"}
    shown = text(s.get(base + r.headers["location"]))
    assert "Le lieu a été créé." in shown and nom in shown


def test_page_employer_creates_for_its_organisation(base, sessions):
    s = sessions["employer"]
    page = s.get(base + NEW)
    assert page.status_code == 200
    r = s.post(base + NEW, data=form_data(page, **body()), allow_redirects=False)
    assert r.status_code == 303
    pid = r.headers["location"].rsplit("/", 1)[1]
    assert sql_int(f"SELECT organisation_id FROM places WHERE id = '{pid}'") == employer_org()
    # Its own place: it may edit it.
    assert s.get(base + f"/lieux/{pid}/modifier").status_code == 200


def test_page_invalid_shows_the_form_with_the_errors(base, sessions):
    s = sessions["admin"]
    page = s.get(base + NEW)
    r = s.post(base + NEW, data=form_data(page, **body(code_postal="5100", nom="Gardé " + unique(""))),
               allow_redirects=False)
    assert r.status_code == 422
    t = text(r)
    assert "« Code postal » : « 5100 » doit contenir 5 chiffres." in t and 'href="#code_postal"' in r.text
    assert 'value="5100"' in r.text and "Gardé" in t  # what was typed is kept
    assert "<title>Erreur : Nouveau lieu" in t


@pytest.mark.parametrize("role", ["regional", "prescriber", "candidate", "viewer"])
def test_page_refused_to_other_roles(base, sessions, role):
    assert sessions[role].get(base + NEW).status_code == 403


def test_page_anonymous_is_sent_to_sign_in_not_to_a_place(base):
    r = requests.get(base + NEW, allow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/connexion")


def test_search_page_offers_creation_to_those_who_may(base, sessions):
    assert 'href="/lieux/nouveau"' in sessions["employer"].get(base + "/lieux").text
    assert 'href="/lieux/nouveau"' not in sessions["candidate"].get(base + "/lieux").text
    assert 'href="/lieux/nouveau"' not in requests.get(base + "/lieux").text


# ---------------------------------------------------------------------------------------------
# Likely duplicates found on creation


def test_creation_finds_likely_duplicates(base, sessions, api):
    first = api.post(base + "/api/v1/places", json=body(nom="Point numérique " + unique("")))
    assert first.status_code == 201
    a = first.json()
    # The same name, accents and case aside, in the same postal code: through the page.
    s = sessions["national"]
    page = s.get(base + NEW)
    r = s.post(base + NEW, data=form_data(page, **body(nom=a["nom"].upper())), allow_redirects=False)
    assert r.status_code == 303
    b = r.headers["location"].rsplit("/", 1)[1]
    shown = s.get(base + r.headers["location"])
    t = text(shown)
    assert "des lieux semblables existent déjà" in t
    assert "Lieux semblables" in t and f'href="/lieux/{a["id"]}"' in shown.text
    assert "même commune et nom semblable" in t
    # The other place shows the pair too; the public does not see it.
    assert f'href="/lieux/{b}"' in s.get(base + f"/lieux/{a['id']}").text
    assert "Lieux semblables" not in text(requests.get(base + f"/lieux/{a['id']}"))
    # The admins find it with the others.
    assert a["id"] in sessions["admin"].get(base + "/admin/doublons").text
    # Through the API: the answer names it.
    r = api.post(base + "/api/v1/places", json=body(nom=a["nom"], adresse=a["adresse"]))
    assert r.status_code == 201
    dups = {d["id"]: d for d in r.json()["likely_duplicates"]}
    assert a["id"] in dups and b in dups and dups[a["id"]]["reason"]


# ---------------------------------------------------------------------------------------------
# A place's timeline


def test_timeline_for_those_who_may_edit(base, sessions, api):
    r = api.post(base + "/api/v1/places", json=body(nom="Tiers-lieu " + unique("")))
    pid = r.json()["id"]
    s = sessions["admin"]
    edit = s.get(base + f"/lieux/{pid}/modifier")
    version = re.search(r'name="version" value="(\d+)"', edit.text).group(1)
    r = s.post(base + f"/lieux/{pid}/modifier", data={"csrf": csrf_from(edit.text), "version": version,
                                                     "horaires": "Tu-Sa 10:00-18:00"}, allow_redirects=False)
    assert r.status_code == 303
    page = text(s.get(base + f"/lieux/{pid}"))
    assert "Historique" in page
    assert "Création" in page and "Modification" in page
    assert "Horaires : — → Tu-Sa 10:00-18:00" in page
    assert page.index("Modification") < page.index("Création")  # newest first
    assert "Historique" not in text(requests.get(base + f"/lieux/{pid}"))
    assert "Historique" not in text(sessions["candidate"].get(base + f"/lieux/{pid}"))
    keyed = sql(f"SELECT action FROM journal WHERE entity = 'place' AND entity_key = '{pid}' ORDER BY id")
    assert keyed.splitlines() == ["create", "update"]
    detail = json.loads(sql(f"SELECT detail FROM journal WHERE entity_key = '{pid}' AND action = 'update'"))
    assert detail["after"]["horaires"] == "Tu-Sa 10:00-18:00"
    assert journal_verify().returncode == 0


def test_page_builds_the_opening_hours_and_reads_what_people_write(base, sessions):
    """Opening hours from day and time fields (the OpenStreetMap text is stored, and stays the expert's input);
    a telephone as people write it; addresses one per line."""
    s = sessions["national"]
    page = s.get(base + NEW)
    for name in ("horaires_lu_1_de", "horaires_sa_2_a", "horaires_origine"):
        assert f'name="{name}"' in page.text, name
    assert 'type="time"' in page.text and "Saisie experte des horaires" in text(page)
    nom = "Espace horaires " + unique("")
    week = {f"horaires_{d}_1_de": "09:00" for d in ("ma", "me", "je", "ve", "sa")}
    week.update({f"horaires_{d}_1_a": "12:00" for d in ("ma", "me", "je", "ve", "sa")})
    week.update({f"horaires_{d}_2_de": "14:00" for d in ("ma", "me", "je", "ve")})
    week.update({f"horaires_{d}_2_a": "18:00" for d in ("ma", "me", "je", "ve")})
    r = s.post(base + NEW, data=form_data(page, **body(nom=nom, telephone="04 75 00 00 01",
                                                       courriels="accueil@exemple.fr\r\nfablab@exemple.fr"),
                                          horaires="", horaires_origine="", **week), allow_redirects=False)
    assert r.status_code == 303, text(r)[:3000]
    pid = r.headers["location"].rsplit("/", 1)[1]
    assert sql(f"SELECT horaires FROM places WHERE id = '{pid}'") == \
        "Tu-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00"
    assert sql(f"SELECT telephone FROM places WHERE id = '{pid}'") == "+33475000001"
    assert sql(f"SELECT courriels FROM places WHERE id = '{pid}'") == "accueil@exemple.fr|fablab@exemple.fr"
    # The edit form shows the week in its fields, the text in the expert field, the addresses one per line.
    edit = text(s.get(base + f"/lieux/{pid}/modifier"))
    assert 'name="horaires_ma_2_de" value="14:00"' in edit and 'name="horaires_lu_1_de" value=""' in edit
    assert 'value="Tu-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00"' in edit
    assert "accueil@exemple.fr\nfablab@exemple.fr</textarea>" in edit
    page_text = text(s.get(base + f"/lieux/{pid}"))
    assert "04 75 00 00 01" in page_text
    # The expert's text wins when changed; a range that ends before it starts is refused, naming the day.
    token = csrf_from(s.get(base + f"/lieux/{pid}/modifier").text)
    version = sql(f"SELECT version FROM places WHERE id = '{pid}'")
    r = s.post(base + f"/lieux/{pid}/modifier", data={
        "csrf": token, "version": version, "horaires": "Mo-Fr 08:00-12:00; PH off",
        "horaires_origine": "Tu-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00", **week}, allow_redirects=False)
    assert r.status_code == 303, text(r)[:3000]
    assert sql(f"SELECT horaires FROM places WHERE id = '{pid}'") == "Mo-Fr 08:00-12:00; PH off"
    token = csrf_from(s.get(base + f"/lieux/{pid}/modifier").text)
    version = sql(f"SELECT version FROM places WHERE id = '{pid}'")
    r = s.post(base + f"/lieux/{pid}/modifier", data={
        "csrf": token, "version": version, "horaires": "Mo-Fr 08:00-12:00; PH off",
        "horaires_origine": "Mo-Fr 08:00-12:00; PH off", "horaires_je_1_de": "15:00", "horaires_je_1_a": "11:00"},
        allow_redirects=False)
    assert r.status_code == 422
    assert "« Horaires » : le jeudi, chaque plage doit finir après son début" in text(r)
    assert sql(f"SELECT horaires FROM places WHERE id = '{pid}'") == "Mo-Fr 08:00-12:00; PH off"
