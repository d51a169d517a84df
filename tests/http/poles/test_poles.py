"""The resource poles: poles as data (national officers edit them; pole staff see only the pole of their regions),
the preliminary diagnosis of a dossier's EPN (create, edit, stale, shown to the reviewers), the resources library
(uploads checked by content and size, downloads identical, links, search without accents) and the vivier of partner
companies (SIRET, territory from the commune, search by territory, activity and job profile)."""
import base64
import io
import re
import zipfile

import pytest
import requests

from conftest import DEMO_ACCOUNTS, DEMO_PASSWORD, csrf_from, luhn_siret, run_cli, sql, sql_int, text, unique

PLACE = "demo-ateliers-numeriques-crest"  # the demo structure's EPN, in Crest (Drôme, region 84)
ITEMS = ["equipment", "space", "public", "partners", "tutor"]
TINY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mP8/x8AAwMCAO+ip1sAAAAASUVORK5CYII=")
TINY_PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
TEN_MB = 10 * 1024 * 1024


def assert_problem(r, status, field=None):
    assert r.status_code == status, (r.status_code, r.text[:1500])
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers.get("content-type")
    p = r.json()
    if field is not None:
        assert field in [e["field"] for e in p.get("errors", [])], p
    return p


def message_of(p, field):
    return next(e["message"] for e in p["errors"] if e["field"] == field)


def odt_bytes():
    """A minimal OpenDocument text: the "mimetype" entry first and stored, as ODF requires."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text",
                   compress_type=zipfile.ZIP_STORED)
        z.writestr("content.xml", "<office:document-content/>", compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# Who acts


@pytest.fixture(scope="module")
def people(server, api, make_account):
    """actor -> email; pole_other holds the pole role for Provence-Alpes-Côte d'Azur (93) in a pole organisation of
    its own."""
    org = api.post(server.base + "/api/v1/organisations", json={"name": unique("Pôle Sud "), "kind": "pole"})
    assert org.status_code == 201, org.text
    other = make_account("pole", password=DEMO_PASSWORD, organisation_id=org.json()["id"], regions="93")["_email"]
    return {"pole": DEMO_ACCOUNTS["pole"], "pole_other": other, "national": DEMO_ACCOUNTS["national"],
            "admin": DEMO_ACCOUNTS["admin"], "employer": DEMO_ACCOUNTS["employer"],
            "regional": DEMO_ACCOUNTS["regional"], "candidate": DEMO_ACCOUNTS["candidate"]}


@pytest.fixture(scope="module")
def who(people):
    """who[actor] -> a requests.Session with an API token of that account."""
    sessions = {}
    for actor, email in people.items():
        r = run_cli("token", "create", email, unique("poles-"))
        assert r.returncode == 0, r.stderr
        s = requests.Session()
        s.headers["Authorization"] = "Bearer " + r.stdout.strip()
        sessions[actor] = s
    return sessions


@pytest.fixture(scope="module")
def web(login, people):
    """web[actor] -> a session signed in through the form, made on first use."""
    class Lazy(dict):
        def __missing__(self, actor):
            self[actor] = login(people[actor])
            return self[actor]

    return Lazy()


def csrf_of(session, base, path="/"):
    r = session.get(base + path)
    assert r.status_code == 200, (path, r.status_code)
    return csrf_from(r.text)


@pytest.fixture(scope="module")
def eav(base):
    items = requests.get(base + "/api/v1/programmes").json()["items"]
    p = requests.get(base + f"/api/v1/programmes/{next(x['id'] for x in items if x['code'] == 'EAV-EPN-2013')}").json()
    p["profile_id"] = next(j["id"] for j in p["job_profiles"] if j["code"] == "forgeur-numerique")
    p["other_profile_id"] = next(j["id"] for j in p["job_profiles"] if j["code"] != "forgeur-numerique")
    p["pole_id"] = next(x["id"] for x in p["poles"] if x["code"] == "centre-est")
    p["sud_id"] = next(x["id"] for x in p["poles"] if x["code"] == "sud")
    p["nord_est_id"] = next(x["id"] for x in p["poles"] if x["code"] == "nord-est")
    return p


def dossier_body(eav):
    return {
        "programme_id": eav["id"], "place_id": PLACE, "employer_category": "association",
        "contact_name": "Sébastien Structure", "contact_email": "structure@demo.tremplin.fr",
        "contact_phone": "04 75 00 00 00", "project": "Recruter un jeune pour le fablab de Crest.",
        "job_profile_id": eav["profile_id"], "netpublic": True, "listed_national": True,
        "tutor_name": "Anne Tutrice", "tutor_qualities": "Animatrice multimédia depuis dix ans",
        "sponsor_name": "Paul Parrain", "sponsor_qualities": "Gérant d'une entreprise de services numériques",
        "company_name": "Valence Informatique Services", "company_siret": "73282932000074",
        "company_activity": "Services informatiques", "pole_id": eav["pole_id"],
        "training_path": "Prise de poste, puis fabrication numérique et médiation.",
        "development_project": "Ouvrir un fablab le samedi.", "posts_requested": 1, "signed_on": "2025-09-01",
        "signatory": "Le président de l'association",
    }


@pytest.fixture(scope="module")
def submitted(base, who, eav):
    """make() -> the id of a new dossier of the demo structure (region 84), submitted."""

    def make():
        r = who["employer"].post(base + "/api/v1/dossiers", json=dossier_body(eav))
        assert r.status_code == 201, r.text
        d = r.json()
        r = who["employer"].post(base + f"/api/v1/dossiers/{d['id']}/actions/submit", json={"version": d["version"]})
        assert r.status_code == 200, r.text
        return d["id"]

    return make


def checklist(ok=True, comment="Vu sur place"):
    return [{"code": c, "ok": ok, "comment": f"{comment} ({c})"} for c in ITEMS]


# ---------------------------------------------------------------------------------------------
# Poles: who sees what


def test_the_poles_list_is_for_poles_and_national_officers(base, who, eav):
    for actor in ("pole", "national", "admin"):
        r = who[actor].get(base + "/api/v1/poles")
        assert r.status_code == 200, (actor, r.text)
        poles = {p["code"]: p for p in r.json()["items"]}
        assert {"centre-est", "sud", "nord-est"} <= set(poles)
        assert "Auvergne-Rhône-Alpes" in poles["centre-est"]["region_names"]
    poles = {p["code"]: p for p in who["pole"].get(base + "/api/v1/poles").json()["items"]}
    assert poles["centre-est"]["can_view"] is True and poles["sud"]["can_view"] is False
    assert poles["centre-est"]["can_edit"] is False
    for actor in ("employer", "regional", "candidate"):
        assert_problem(who[actor].get(base + "/api/v1/poles"), 403)


def test_pole_staff_see_their_regions_and_nothing_else(base, who, eav, submitted):
    d = submitted()
    r = who["pole"].get(base + f"/api/v1/poles/{eav['pole_id']}")
    assert r.status_code == 200, r.text
    pole = r.json()
    assert d in [x["id"] for x in pole["dossiers"]]
    assert all(x["region_code"] in ("84", "27") for x in pole["dossiers"])
    assert DEMO_ACCOUNTS["pole"] in [s["email"] for s in pole["staff"]]
    for key in ("contracts", "tutors", "sessions"):
        assert isinstance(pole[key], list)
    # Another pole's staff views: 403, through the API and the page.
    assert_problem(who["pole"].get(base + f"/api/v1/poles/{eav['sud_id']}"), 403)
    # The pole person of region 93 sees the Sud pole, without the dossiers of 84, and not Centre-Est.
    assert_problem(who["pole_other"].get(base + f"/api/v1/poles/{eav['pole_id']}"), 403)
    sud = who["pole_other"].get(base + f"/api/v1/poles/{eav['sud_id']}")
    assert sud.status_code == 200, sud.text
    assert d not in [x["id"] for x in sud.json()["dossiers"]]
    assert [g["code"] for g in sud.json()["regions_seen"]] == ["93"]
    # National officers see every pole whole.
    r = who["national"].get(base + f"/api/v1/poles/{eav['pole_id']}")
    assert r.status_code == 200 and d in [x["id"] for x in r.json()["dossiers"]]
    assert_problem(who["employer"].get(base + f"/api/v1/poles/{eav['pole_id']}"), 403)


def test_contracts_tutors_and_sessions_follow_the_regions(base, who, web, eav, make_account, submitted):
    """Rows made with SQL: the contract and session workflows belong to other modules."""
    d = submitted()
    org = sql_int(f"SELECT organisation_id FROM dossiers WHERE id = {d}")
    tutor = make_account("employer", organisation_id=org)
    tag = unique("t")
    contracts = {}
    for region in ("84", "93"):
        young = make_account("candidate")
        sql(f"INSERT INTO candidates (person_id, created_at, updated_at) VALUES ({young['id']}, 1, 1)")
        offer = sql_int("INSERT INTO offers (dossier_id, organisation_id, programme_id, job_profile_id, place_id, "
                        "region_code, title, start_on, contract_type, weekly_hours, description, created_at, updated_at) "
                        f"VALUES ({d}, {org}, {eav['id']}, {eav['profile_id']}, '{PLACE}', '{region}', 'Offre {tag}', "
                        "'2027-01-04', 'CDD', 35, 'Animer', 1, 1) RETURNING id")
        contracts[region] = sql_int(
            "INSERT INTO contracts (offer_id, dossier_id, organisation_id, programme_id, candidate_id, region_code, "
            "contract_type, start_on, end_on, weekly_hours, tutor_id, state, state_since, created_at, updated_at) "
            f"VALUES ({offer}, {d}, {org}, {eav['id']}, {young['id']}, '{region}', 'CDD', '2027-01-04', '2028-01-03', "
            f"35, {tutor['id']}, 'active', 1, 1, 1) RETURNING id")
        sql("INSERT INTO training_sessions (programme_id, audience, title, region_code, starts_on, ends_on, capacity, "
            "registration_deadline, state_since, created_at, updated_at) "
            f"VALUES ({eav['id']}, 'tutor', 'Session {tag} {region}', '{region}', '2027-02-01', '2027-02-02', 10, "
            "'2027-01-20', 1, 1, 1)")
    pole = who["pole"].get(base + f"/api/v1/poles/{eav['pole_id']}").json()
    assert contracts["84"] in [c["id"] for c in pole["contracts"]]
    assert contracts["93"] not in [c["id"] for c in pole["contracts"]]
    mine = next(t for t in pole["tutors"] if t["id"] == tutor["id"])
    assert (mine["contracts"], mine["live_contracts"]) == (1, 1)
    assert [s["title"] for s in pole["sessions"] if tag in s["title"]] == [f"Session {tag} 84"]
    sud = who["pole_other"].get(base + f"/api/v1/poles/{eav['sud_id']}").json()
    assert [c["id"] for c in sud["contracts"] if c["id"] in contracts.values()] == [contracts["93"]]
    assert [s["title"] for s in sud["sessions"] if tag in s["title"]] == [f"Session {tag} 93"]
    page = text(web["pole"].get(base + f"/poles/{eav['pole_id']}"))
    assert f"Session {tag} 84" in page and f"Session {tag} 93" not in page and "Tuteurs" in page


def test_the_pole_pages(base, web, eav, submitted):
    d = submitted()
    r = web["pole"].get(base + f"/poles/{eav['pole_id']}")
    assert r.status_code == 200
    page = text(r)
    assert "Pôle de ressources Centre-Est" in page and f'href="/dossiers/{d}"' in r.text
    assert "Modifier le pôle" not in page
    assert web["pole"].get(base + f"/poles/{eav['sud_id']}").status_code == 403
    assert web["pole"].get(base + f"/poles/{eav['pole_id']}/modifier").status_code == 403
    r = web["pole"].get(base + "/poles")
    assert r.status_code == 200 and f'href="/poles/{eav["pole_id"]}"' in r.text
    assert f'href="/poles/{eav["sud_id"]}"' not in r.text
    assert web["employer"].get(base + "/poles").status_code == 403
    r = web["national"].get(base + f"/poles/{eav['sud_id']}")
    assert r.status_code == 200 and "Modifier le pôle" in text(r)


def test_national_officers_edit_a_pole_with_its_version(base, who, eav):
    pid = eav["nord_est_id"]
    before = who["national"].get(base + f"/api/v1/poles/{pid}").json()
    r = who["national"].patch(base + f"/api/v1/poles/{pid}",
                              json={"version": before["version"], "name": "Pôle Nord-Est renommé", "regions": ["44", "32", "27"]})
    assert r.status_code == 200, r.text
    after = r.json()
    assert after["name"] == "Pôle Nord-Est renommé" and after["regions"] == "44|32|27"
    assert after["version"] == before["version"] + 1
    assert "Bourgogne-Franche-Comté" in after["region_names"]
    # The pole of Bourgogne-Franche-Comté (27) now also includes Nord-Est: the demo pole person sees it, partly.
    seen = who["pole"].get(base + f"/api/v1/poles/{pid}")
    assert seen.status_code == 200 and [g["code"] for g in seen.json()["regions_seen"]] == ["27"]
    # Stale, forbidden, invalid.
    p = assert_problem(who["national"].patch(base + f"/api/v1/poles/{pid}", json={"version": before["version"], "name": "X"}), 409)
    assert "rechargez" in p["detail"]
    assert_problem(who["pole"].patch(base + f"/api/v1/poles/{pid}", json={"version": after["version"], "name": "X"}), 403)
    p = assert_problem(who["national"].patch(base + f"/api/v1/poles/{pid}",
                                             json={"version": after["version"], "regions": "44|99"}), 422, "regions")
    assert "« 99 »" in message_of(p, "regions")
    employer_org = sql_int("SELECT id FROM organisations WHERE kind = 'employer' ORDER BY id LIMIT 1")
    assert_problem(who["national"].patch(base + f"/api/v1/poles/{pid}",
                                         json={"version": after["version"], "organisation_id": employer_org}), 422,
                   "organisation_id")
    # Put it back, and find both edits in the journal.
    r = who["admin"].patch(base + f"/api/v1/poles/{pid}",
                           json={"version": after["version"], "name": before["name"], "regions": before["regions"]})
    assert r.status_code == 200, r.text
    assert sql_int(f"SELECT COUNT(*) FROM journal WHERE entity = 'pole' AND entity_id = {pid}") >= 2


def test_the_pole_form(base, web, eav):
    pid = eav["nord_est_id"]
    s = web["national"]
    r = s.get(base + f"/poles/{pid}/modifier")
    assert r.status_code == 200
    version = re.search(r'name="version" value="(\d+)"', r.text).group(1)
    token = csrf_from(r.text)
    r = s.post(base + f"/poles/{pid}/modifier", data={"csrf": token, "version": version, "name": "",
                                                     "regions": ["44"]}, allow_redirects=False)
    assert r.status_code == 422 and "Erreur" in text(r) and "« Nom du pôle » est obligatoire" in text(r)
    r = s.post(base + f"/poles/{pid}/modifier", data={"csrf": token, "version": version,
                                                     "name": "Pôle de ressources Nord-Est", "regions": ["44", "32"]},
               allow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    r = s.post(base + f"/poles/{pid}/modifier", data={"csrf": token, "version": version,
                                                     "name": "Pôle de ressources Nord-Est", "regions": ["44", "32"]},
               allow_redirects=False)
    assert r.status_code == 409 and "Vos modifications n'ont pas été enregistrées" in text(r)


# ---------------------------------------------------------------------------------------------
# Preliminary diagnoses


def test_a_diagnosis_is_recorded_edited_and_version_checked(base, who, eav, submitted):
    d = submitted()
    body = {"checklist": checklist(), "conclusion": "favourable_conditions",
            "recommendations": "Prévoir un second poste informatique.\nFormer le tuteur au fablab."}
    # Only the pole of the dossier's region (and admins) record it; for another pole the dossier does not exist.
    assert_problem(who["pole_other"].post(base + f"/api/v1/dossiers/{d}/diagnoses", json=body), 404)
    for actor in ("regional", "employer", "national"):
        assert_problem(who[actor].post(base + f"/api/v1/dossiers/{d}/diagnoses", json=body), 403)
    r = who["pole"].post(base + f"/api/v1/dossiers/{d}/diagnoses", json=body)
    assert r.status_code == 201, r.text
    g = r.json()
    assert r.headers["location"] == f"/api/v1/diagnoses/{g['id']}"
    assert (g["dossier_id"], g["place_id"], g["job_profile_id"], g["pole_id"]) == (d, PLACE, eav["profile_id"], eav["pole_id"])
    assert [c["code"] for c in g["checklist"]] == ITEMS and all(c["ok"] for c in g["checklist"])
    assert g["conclusion_label"] == "Favorable sous conditions" and g["version"] == 1
    # One per job profile.
    p = assert_problem(who["pole"].post(base + f"/api/v1/dossiers/{d}/diagnoses", json=body), 409)
    assert "existe déjà" in p["detail"]
    # The reviewers and the structure read it.
    for actor in ("regional", "national", "employer", "pole", "admin"):
        r = who[actor].get(base + f"/api/v1/dossiers/{d}/diagnoses")
        assert r.status_code == 200, (actor, r.text)
        assert [x["id"] for x in r.json()["items"]] == [g["id"]]
    assert who["pole"].get(base + f"/api/v1/dossiers/{d}/diagnoses").json()["can_write"] is True
    assert who["regional"].get(base + f"/api/v1/dossiers/{d}/diagnoses").json()["can_write"] is False
    assert_problem(who["pole_other"].get(base + f"/api/v1/dossiers/{d}/diagnoses"), 404)
    # An edit with the version read; the same version again is stale.
    changed = checklist()
    changed[4] = {"code": "tutor", "ok": False, "comment": "Tuteur à mi-temps seulement"}
    r = who["pole"].patch(base + f"/api/v1/diagnoses/{g['id']}",
                          json={"version": 1, "checklist": changed, "conclusion": "unfavourable"})
    assert r.status_code == 200, r.text
    g2 = r.json()
    assert g2["version"] == 2 and g2["conclusion"] == "unfavourable"
    assert g2["checklist"][4] == {"code": "tutor", "label": "Disponibilité du tuteur", "ok": False,
                                  "comment": "Tuteur à mi-temps seulement"}
    assert g2["recommendations"] == body["recommendations"]
    p = assert_problem(who["pole"].patch(base + f"/api/v1/diagnoses/{g['id']}",
                                         json={"version": 1, "conclusion": "favourable"}), 409)
    assert "rechargez" in p["detail"]
    assert who["pole"].get(base + f"/api/v1/diagnoses/{g['id']}").json()["conclusion"] == "unfavourable"
    assert_problem(who["pole_other"].patch(base + f"/api/v1/diagnoses/{g['id']}",
                                           json={"version": 2, "conclusion": "favourable"}), 404)
    # Journaled: the creation and the edit, with the values before.
    rows = sql(f"SELECT action FROM journal WHERE entity = 'pole_diagnosis' AND entity_id = {g['id']} ORDER BY id")
    assert rows.splitlines() == ["create", "update"]
    assert run_cli("journal", "verify").returncode == 0


def test_a_diagnosis_for_another_job_profile(base, who, eav, submitted):
    d = submitted()
    r = who["pole"].post(base + f"/api/v1/dossiers/{d}/diagnoses",
                         json={"job_profile_id": eav["other_profile_id"], "checklist": checklist(False),
                               "conclusion": "unfavourable"})
    assert r.status_code == 201, r.text
    assert r.json()["job_profile_id"] == eav["other_profile_id"]
    foreign = sql_int("SELECT j.id FROM job_profiles j JOIN programmes p ON p.id = j.programme_id "
                      "WHERE p.code <> 'EAV-EPN-2013' ORDER BY j.id LIMIT 1")
    assert_problem(who["pole"].post(base + f"/api/v1/dossiers/{d}/diagnoses",
                                    json={"job_profile_id": foreign, "checklist": checklist(),
                                          "conclusion": "favourable"}), 422, "job_profile_id")


@pytest.mark.parametrize("body,field", [
    ({"checklist": checklist()[:4], "conclusion": "favourable"}, "item_tutor"),
    ({"checklist": [{"code": c, "ok": "peut-être"} for c in ITEMS], "conclusion": "favourable"}, "item_equipment"),
    ({"checklist": checklist(), "conclusion": "excellent"}, "conclusion"),
    ({"checklist": checklist()}, "conclusion"),
    ({"checklist": [{"code": "space", "ok": True, "comment": "x" * 1001}] + checklist()[2:] + checklist()[:1],
      "conclusion": "favourable"}, "item_space_comment"),
    ({"checklist": "tout va bien", "conclusion": "favourable"}, "checklist"),
])
def test_a_bad_diagnosis_is_422_naming_the_field(base, who, submitted, body, field):
    d = submitted()
    p = assert_problem(who["pole"].post(base + f"/api/v1/dossiers/{d}/diagnoses", json=body), 422, field)
    assert "«" in message_of(p, field)
    assert who["pole"].get(base + f"/api/v1/dossiers/{d}/diagnoses").json()["items"] == []


def test_no_diagnosis_after_the_national_decision(base, who, submitted):
    d = submitted()
    body = {"checklist": checklist(), "conclusion": "favourable"}
    r = who["pole"].post(base + f"/api/v1/dossiers/{d}/diagnoses", json=body)
    assert r.status_code == 201, r.text
    g = r.json()
    version = who["regional"].get(base + f"/api/v1/dossiers/{d}").json()["version"]
    r = who["regional"].post(base + f"/api/v1/dossiers/{d}/actions/give_opinion",
                             json={"version": version, "opinion": "favourable"})
    assert r.status_code == 200, r.text
    r = who["national"].post(base + f"/api/v1/dossiers/{d}/actions/validate",
                             json={"version": r.json()["version"], "posts_granted": 1})
    assert r.status_code == 200, r.text
    # Decided: the pole's diagnosis is closed, neither recorded nor edited, and the pages no longer offer it.
    before = sql(f"SELECT version, conclusion FROM pole_diagnoses WHERE id = {g['id']}")
    p = assert_problem(who["pole"].patch(base + f"/api/v1/diagnoses/{g['id']}",
                                         json={"version": g["version"], "checklist": checklist(),
                                               "conclusion": "unfavourable"}), 409)
    assert "avant la décision nationale" in p["detail"] and "« Validé »" in p["detail"]
    assert sql(f"SELECT version, conclusion FROM pole_diagnoses WHERE id = {g['id']}") == before
    assert who["pole"].get(base + f"/api/v1/dossiers/{d}/diagnoses").json()["can_write"] is False
    for actor in ("regional", "employer"):
        assert_problem(who[actor].post(base + f"/api/v1/dossiers/{d}/diagnoses", json=body), 403)


def test_drafts_are_not_diagnosed(base, who, eav):
    r = who["employer"].post(base + "/api/v1/dossiers", json=dossier_body(eav))
    assert r.status_code == 201
    assert_problem(who["pole"].post(base + f"/api/v1/dossiers/{r.json()['id']}/diagnoses",
                                    json={"checklist": checklist(), "conclusion": "favourable"}), 404)


def form_data(token, **over):
    data = {"csrf": token, "conclusion": "favourable", "recommendations": "Ouvrir le fablab aux collégiens."}
    for c in ITEMS:
        data[f"item_{c}"] = "1"
        data[f"item_{c}_comment"] = f"Commentaire {c}"
    data.update(over)
    return data


def test_the_diagnosis_page_and_the_dossier_page(base, web, submitted):
    d = submitted()
    s = web["pole"]
    r = s.get(base + f"/dossiers/{d}/diagnostic-prealable")
    assert r.status_code == 200
    page = text(r)
    assert "Diagnostic préalable" in page and "Disponibilité du tuteur" in page and 'name="item_equipment"' in r.text
    token = csrf_from(r.text)
    # Missing answers: 422, the form again with the error summary.
    r = s.post(base + f"/dossiers/{d}/diagnostic-prealable", data=form_data(token, item_space=""), allow_redirects=False)
    assert r.status_code == 422 and "Erreur" in text(r) and "« Espace » : indiquez" in text(r)
    r = s.post(base + f"/dossiers/{d}/diagnostic-prealable", data=form_data(token), allow_redirects=False)
    assert r.status_code == 303, text(r)[:2000]
    r = s.get(base + f"/dossiers/{d}/diagnostic-prealable")
    assert "Ouvrir le fablab aux collégiens." in text(r)
    version = re.search(r'name="version" value="(\d+)"', r.text).group(1)
    diag = re.search(r'name="diagnosis_id" value="(\d+)"', r.text).group(1)
    r = s.post(base + f"/dossiers/{d}/diagnostic-prealable",
               data=form_data(token, version=version, diagnosis_id=diag, conclusion="unfavourable"), allow_redirects=False)
    assert r.status_code == 303
    r = s.post(base + f"/dossiers/{d}/diagnostic-prealable",
               data=form_data(token, version=version, diagnosis_id=diag), allow_redirects=False)
    assert r.status_code == 409 and "a changé depuis votre lecture" in text(r)
    # The reviewers see it on the dossier page.
    for actor in ("regional", "national", "employer"):
        r = web[actor].get(base + f"/dossiers/{d}")
        assert r.status_code == 200
        page = text(r)
        assert "Diagnostic préalable du pôle de ressources" in page, actor
        assert "Défavorable" in page and "Ouvrir le fablab aux collégiens." in page
        assert f"/dossiers/{d}/diagnostic-prealable" not in r.text  # no "faire le diagnostic" for them
    r = web["pole"].get(base + f"/dossiers/{d}")
    assert f'href="/dossiers/{d}/diagnostic-prealable"' in r.text
    # Someone else's pole: 404 on the page and its form (the dossier does not exist for them).
    assert web["pole_other"].get(base + f"/dossiers/{d}/diagnostic-prealable").status_code == 404


# ---------------------------------------------------------------------------------------------
# The resources library


def upload(session, base, name, content, **fields):
    data = {"title": fields.pop("title", unique("Ressource ")), **fields}
    return session.post(base + "/api/v1/resources", data=data, files={"file": (name, content)})


def test_a_pdf_that_is_not_a_pdf_is_refused(base, who, web):
    p = assert_problem(upload(who["pole"], base, "guide.pdf", b"hello, this is plain text"), 422, "file")
    assert "PDF" in message_of(p, "file") and "contenu" in message_of(p, "file")
    p = assert_problem(upload(who["pole"], base, "photo.pdf", TINY_PNG), 422, "file")
    assert "ne correspond pas à son extension" in message_of(p, "file")
    assert_problem(upload(who["pole"], base, "vide.pdf", b"", kind="file"), 422, "file")
    # The page says it too, on the file field.
    s = web["pole"]
    token = csrf_of(s, base, "/ressources/nouvelle")
    r = s.post(base + "/ressources/nouvelle", data={"csrf": token, "kind": "file", "title": "Faux PDF"},
               files={"file": ("faux.pdf", b"GIF89a not a pdf")}, allow_redirects=False)
    assert r.status_code == 422
    assert 'href="#file"' in r.text and "« Fichier » doit être un document PDF" in text(r)


def test_a_file_over_10_mb_is_refused(base, who):
    r = upload(who["pole"], base, "gros.pdf", b"%PDF-1.4\n" + b"0" * (TEN_MB + 1 - 9))
    assert r.status_code in (413, 422), r.status_code
    if r.status_code == 422:
        assert "10 Mo" in message_of(r.json(), "file")
    assert sql_int("SELECT COUNT(*) FROM resources WHERE file_size > 10485760") == 0


@pytest.mark.parametrize("name,content,mime,download", [
    ("Guide d'accueil été.pdf", TINY_PDF, "application/pdf", "guide-d-accueil-ete.pdf"),
    ("C:\\Users\\pole\\Schéma salle.PNG", TINY_PNG, "image/png", "schema-salle.png"),
    ("compte-rendu.odt", None, "application/vnd.oasis.opendocument.text", "compte-rendu.odt"),
    ("photo.jpeg", b"\xff\xd8\xff\xe0" + b"\x00" * 64, "image/jpeg", "photo.jpg"),
    ("../../etc/passwd.pdf", TINY_PDF, "application/pdf", "passwd.pdf"),
])
def test_a_document_is_stored_and_downloaded_identical(base, who, web, name, content, mime, download):
    content = content if content is not None else odt_bytes()
    r = upload(who["pole"], base, name, content, description="Pour l'accueil des jeunes", tags="accueil, tutorat")
    assert r.status_code == 201, r.text
    res = r.json()
    assert (res["kind"], res["file_type"], res["file_size"], res["file_name"]) == ("file", mime, len(content), download)
    assert res["tags"] == ["accueil", "tutorat"] and res["pole_id"]
    # Every pole and every structure downloads it, byte for byte.
    for reader in (web["employer"], web["pole_other"], web["national"]):
        got = reader.get(base + f"/ressources/{res['id']}/fichier")
        assert got.status_code == 200
        assert got.content == content
        assert got.headers["content-type"] == mime
        assert got.headers["content-disposition"] == f'attachment; filename="{download}"'
        assert got.headers["x-content-type-options"] == "nosniff"
    assert web["regional"].get(base + f"/ressources/{res['id']}/fichier").status_code == 403


def test_links_tags_and_search_without_accents(base, who, web, eav):
    word = unique("zq")
    r = who["pole"].post(base + "/api/v1/resources", json={
        "title": f"Médiation numérique à l'ÉCOLE {word}", "description": "Fiche pratique pour l'été : ateliers.",
        "url": "https://exemple.fr/fiche", "tags": ["Tutorat", "École", "tutorat"]})
    assert r.status_code == 201, r.text
    link = r.json()
    assert link["kind"] == "link" and link["tags"] == ["Tutorat", "École"] and link["file_name"] is None
    assert link["pole_id"] == eav["pole_id"]
    for q in (f"mediation ECOLE {word}", f"{word} ete", f"MÉDIATION {word.upper()}", f"ateliers {word}"):
        items = who["employer"].get(base + "/api/v1/resources", params={"q": q}).json()["items"]
        assert [x["id"] for x in items] == [link["id"]], q
    assert who["employer"].get(base + "/api/v1/resources", params={"q": f"{word} hiver"}).json()["items"] == []
    got = who["national"].get(base + "/api/v1/resources", params={"q": word, "tag": "École"}).json()
    assert [x["id"] for x in got["items"]] == [link["id"]] and "École" in got["tags"]
    assert who["national"].get(base + "/api/v1/resources", params={"q": word, "tag": "ecole"}).json()["items"] == []
    assert who["national"].get(base + "/api/v1/resources",
                               params={"q": word, "pole_id": eav["sud_id"]}).json()["items"] == []
    assert [x["id"] for x in who["national"].get(base + "/api/v1/resources", params={
        "q": word, "pole_id": eav["pole_id"]}).json()["items"]] == [link["id"]]
    # The page finds it too; a link has no document to download.
    r = web["employer"].get(base + "/ressources", params={"q": f"médiation {word}"})
    assert r.status_code == 200 and 'href="https://exemple.fr/fiche"' in r.text and "1 ressource trouvée" in text(r)
    assert who["pole"].get(base + f"/api/v1/resources/{link['id']}").json()["url"] == "https://exemple.fr/fiche"
    assert web["employer"].get(base + f"/ressources/{link['id']}/fichier").status_code == 404


@pytest.mark.parametrize("body,field", [
    ({"title": "Lien", "url": "http://exemple.fr/"}, "url"),
    ({"title": "Lien", "url": "https://"}, "url"),
    ({"title": "Lien", "url": "https://exemple.fr/a b"}, "url"),
    ({"title": "Lien", "kind": "link"}, "url"),
    ({"url": "https://exemple.fr/"}, "title"),
    ({"title": "Rien"}, "file"),
    ({"title": "Lien", "url": "https://exemple.fr/", "tags": ["x" * 41]}, "tags"),
    ({"title": "Lien", "url": "https://exemple.fr/", "tags": ",".join(f"t{i}" for i in range(11))}, "tags"),
])
def test_a_bad_resource_is_422_naming_the_field(base, who, body, field):
    assert_problem(who["pole"].post(base + "/api/v1/resources", json=body), 422, field)


def test_who_adds_and_who_reads_resources(base, who, eav):
    link = {"title": unique("Lien "), "url": "https://exemple.fr/"}
    for actor in ("employer", "national", "regional", "candidate"):
        assert_problem(who[actor].post(base + "/api/v1/resources", json=link), 403)
    # A pole person publishes for their pole only; an admin names the pole.
    p = assert_problem(who["pole"].post(base + "/api/v1/resources", json={**link, "pole_id": eav["sud_id"]}), 422,
                       "pole_id")
    assert "équipe de ce pôle" in message_of(p, "pole_id")
    assert_problem(who["admin"].post(base + "/api/v1/resources", json=link), 422, "pole_id")
    r = who["admin"].post(base + "/api/v1/resources", json={**link, "pole_id": eav["sud_id"]})
    assert r.status_code == 201 and r.json()["pole_id"] == eav["sud_id"]
    for actor in ("pole", "pole_other", "employer", "national", "admin"):
        assert who[actor].get(base + "/api/v1/resources").status_code == 200, actor
    for actor in ("regional", "candidate"):
        assert_problem(who[actor].get(base + "/api/v1/resources"), 403)


def test_the_resource_form_publishes_a_document(base, web):
    s = web["pole"]
    r = s.get(base + "/ressources/nouvelle")
    assert r.status_code == 200 and 'enctype="multipart/form-data"' in r.text
    token = csrf_from(r.text)
    title = unique("Support de formation ")
    r = s.post(base + "/ressources/nouvelle", data={"csrf": token, "kind": "file", "title": title,
                                                     "tags": "formation"},
               files={"file": ("support.pdf", TINY_PDF)}, allow_redirects=False)
    assert r.status_code == 303, text(r)[:1500]
    r = web["employer"].get(base + "/ressources", params={"q": title})
    assert title in text(r) and "PDF" in text(r)
    assert web["employer"].get(base + "/ressources/nouvelle").status_code == 403


# ---------------------------------------------------------------------------------------------
# The vivier of partner companies


def company(eav, commune="26362", **over):
    body = {"name": unique("Entreprise "), "siret": luhn_siret(), "activity": "Réparation d'ordinateurs",
            "commune_code": commune, "contact_name": "Marie Contact", "contact_email": "marie@exemple.fr",
            "contact_phone": "04 75 11 22 33", "job_profiles": [eav["profile_id"]]}
    body.update(over)
    return body


def test_companies_of_the_vivier(base, who, eav):
    r = who["pole"].post(base + "/api/v1/partners", json=company(eav))
    assert r.status_code == 201, r.text
    c = r.json()
    assert (c["commune_code"], c["departement_code"], c["region_code"]) == ("26362", "26", "84")
    assert c["commune_name"] == "Valence" and c["region_name"] == "Auvergne-Rhône-Alpes"
    assert [j["id"] for j in c["job_profiles"]] == [eav["profile_id"]]
    assert [p["id"] for p in c["programmes"]] == [eav["id"]]  # brought by the job profile
    assert c["can_edit"] is True
    # The SIRET is unique; a pole person adds only in their regions; structures only read.
    p = assert_problem(who["national"].post(base + "/api/v1/partners", json=company(eav, siret=c["siret"])), 422, "siret")
    assert c["name"] in message_of(p, "siret")
    assert_problem(who["pole"].post(base + "/api/v1/partners", json=company(eav, commune="13055")), 403)
    assert_problem(who["employer"].post(base + "/api/v1/partners", json=company(eav)), 403)
    assert_problem(who["pole"].post(base + "/api/v1/partners", json=company(eav, commune="00000")), 422, "commune_code")
    assert_problem(who["pole"].post(base + "/api/v1/partners", json=company(eav, siret="12345678901234")), 422, "siret")
    assert_problem(who["pole"].post(base + "/api/v1/partners", json=company(eav, job_profiles=[999999])), 422,
                   "job_profiles")
    # Edits: the version read; stale; the other region's pole may not.
    r = who["pole"].patch(base + f"/api/v1/partners/{c['id']}", json={"version": c["version"], "activity": "Infogérance"})
    assert r.status_code == 200, r.text
    assert r.json()["activity"] == "Infogérance" and r.json()["version"] == c["version"] + 1
    assert_problem(who["pole"].patch(base + f"/api/v1/partners/{c['id']}", json={"version": c["version"], "activity": "X"}), 409)
    assert_problem(who["pole_other"].patch(base + f"/api/v1/partners/{c['id']}",
                                           json={"version": c["version"] + 1, "activity": "X"}), 403)
    assert who["pole_other"].get(base + f"/api/v1/partners/{c['id']}").json()["can_edit"] is False
    # Moving it to a region the pole does not cover is refused.
    assert_problem(who["pole"].patch(base + f"/api/v1/partners/{c['id']}",
                                     json={"version": c["version"] + 1, "commune_code": "13055"}), 403)
    assert sql(f"SELECT action FROM journal WHERE entity = 'partner' AND entity_id = {c['id']} ORDER BY id").splitlines() == [
        "create", "update"]


def test_the_vivier_is_searched_by_territory_activity_and_job_profile(base, who, web, eav):
    tag = unique("zv")
    valence = who["national"].post(base + "/api/v1/partners", json=company(
        eav, name=f"Valence Numérique {tag}", activity=f"Électronique et réseaux {tag}")).json()
    crest = who["pole"].post(base + "/api/v1/partners", json=company(
        eav, commune="26108", name=f"Crest Services {tag}", activity=f"Services à domicile {tag}",
        job_profiles=[eav["other_profile_id"]])).json()
    marseille = who["national"].post(base + "/api/v1/partners", json=company(
        eav, commune="13055", name=f"Marseille Web {tag}", activity=f"Agence web {tag}")).json()
    assert marseille["region_code"] == "93"

    def ids(actor="employer", **params):
        r = who[actor].get(base + "/api/v1/partners", params={"q": tag, **params})
        assert r.status_code == 200, r.text
        return sorted(x["id"] for x in r.json()["items"])

    assert ids() == sorted([valence["id"], crest["id"], marseille["id"]])
    assert ids(region="84") == sorted([valence["id"], crest["id"]])
    assert ids(region="93") == [marseille["id"]]
    assert ids(departement="26") == sorted([valence["id"], crest["id"]])
    assert ids(departement="13", actor="pole") == [marseille["id"]]
    assert ids(commune="26108", actor="national") == [crest["id"]]
    assert ids(q=f"electronique {tag}") == [valence["id"]]
    assert ids(q=f"ÉLECTRONIQUE RÉSEAUX {tag}") == [valence["id"]]
    assert ids(job_profile_id=eav["other_profile_id"]) == [crest["id"]]
    assert ids(programme_id=eav["id"], region="84") == sorted([valence["id"], crest["id"]])
    for actor in ("regional", "candidate"):
        assert_problem(who[actor].get(base + "/api/v1/partners"), 403)
    # The suggestions offered to a dossier or contract form: the region's companies for the job profile.
    r = who["employer"].get(base + "/api/v1/partners/suggestions",
                            params={"region": "84", "job_profile_id": eav["profile_id"]})
    assert r.status_code == 200, r.text
    got = [x["id"] for x in r.json()["items"]]
    assert valence["id"] in got and crest["id"] not in got and marseille["id"] not in got
    assert_problem(who["employer"].get(base + "/api/v1/partners/suggestions", params={"region": "84"}), 422,
                   "job_profile_id")
    # The page: by region, and by commune name.
    r = web["employer"].get(base + "/vivier", params={"region": "84", "activite": tag})
    assert r.status_code == 200
    page = text(r)
    assert valence["name"] in page and crest["name"] in page and marseille["name"] not in page
    assert "2 entreprises trouvées" in page and "Ajouter une entreprise" not in page
    r = web["employer"].get(base + "/vivier", params={"commune": "Crest", "activite": tag})
    assert crest["name"] in text(r) and valence["name"] not in text(r)


def test_the_vivier_forms(base, web, eav):
    s = web["pole"]
    r = s.get(base + "/vivier/nouveau")
    assert r.status_code == 200 and 'name="job_profiles"' in r.text
    token = csrf_from(r.text)
    name = unique("Atelier Vélo ")
    data = {"csrf": token, "name": name, "siret": luhn_siret(), "activity": "Mécanique", "commune_code": "26108",
            "job_profiles": [str(eav["profile_id"])]}
    r = s.post(base + "/vivier/nouveau", data={**data, "siret": "123"}, allow_redirects=False)
    assert r.status_code == 422 and "« SIRET »" in text(r) and 'href="#siret"' in r.text
    r = s.post(base + "/vivier/nouveau", data=data, allow_redirects=False)
    assert r.status_code == 303
    cid = sql_int(f"SELECT id FROM partner_companies WHERE siret = '{data['siret']}'")
    r = s.get(base + f"/vivier/{cid}/modifier")
    assert r.status_code == 200 and name in text(r)
    version = re.search(r'name="version" value="(\d+)"', r.text).group(1)
    r = s.post(base + f"/vivier/{cid}/modifier", data={**data, "version": version, "activity": "Cycles"},
               allow_redirects=False)
    assert r.status_code == 303
    r = s.post(base + f"/vivier/{cid}/modifier", data={**data, "version": version}, allow_redirects=False)
    assert r.status_code == 409
    assert web["pole_other"].get(base + f"/vivier/{cid}/modifier").status_code == 403
    assert web["employer"].get(base + "/vivier/nouveau").status_code == 403


# ---------------------------------------------------------------------------------------------
# Navigation


@pytest.mark.parametrize("actor,present,absent", [
    ("pole", ["/poles", "/ressources", "/vivier"], []),
    ("employer", ["/ressources", "/vivier"], ["/poles"]),
    ("national", ["/poles", "/ressources", "/vivier"], []),
    ("admin", ["/poles", "/ressources"], ["/vivier"]),
    ("regional", [], ["/poles", "/ressources", "/vivier"]),
])
def test_the_navigation(base, web, actor, present, absent):
    nav = re.search(r'id="navigation-principale".*?</nav>', web[actor].get(base + "/").text, re.S)
    hrefs = re.findall(r'href="([^"]+)"', nav.group(0) if nav else "")
    for h in present:
        assert h in hrefs, (actor, h, hrefs)
    for h in absent:
        assert h not in hrefs, (actor, h, hrefs)


def test_the_dossier_form_offers_the_vivier_of_its_region(base, who, eav):
    """Once a dossier's place (so its region) is known, its form lists the companies of that region able to sponsor its
    job profile, beside the sponsoring company's fields."""
    able = who["pole"].post(base + "/api/v1/partners", json=company(eav, name=unique("Parrain possible "))).json()
    other = who["pole"].post(base + "/api/v1/partners", json=company(
        eav, name=unique("Autre métier "), job_profiles=[eav["other_profile_id"]])).json()
    r = who["employer"].post(base + "/api/v1/dossiers", json=dossier_body(eav))
    assert r.status_code == 201, r.text
    page = who["employer"].get(base + f"/dossiers/{r.json()['id']}/modifier")
    assert page.status_code == 200
    assert "Entreprises du vivier de la région" in page.text
    assert able["name"] in page.text and able["siret"] in page.text
    assert other["name"] not in page.text


@pytest.mark.parametrize("actor,page,add", [
    ("pole", "/vivier", "/vivier/nouveau"),
    ("national", "/vivier", "/vivier/nouveau"),
    ("employer", "/vivier", None),
    ("pole", "/ressources", "/ressources/nouvelle"),
    ("employer", "/ressources", None),
])
def test_the_search_forms_of_the_vivier_and_the_library(base, web, actor, page, add):
    """The vivier and the library share one search form: every filter by its name, the button that adds to the list
    only for those who may add, and « Effacer les critères » back to the bare list."""
    r = web[actor].get(base + page, params={"q": "x", "activite": "y"})
    assert r.status_code == 200
    form = re.search(r'<form method="get" action="' + page + r'".*?</form>', r.text, re.S).group(0)
    names = {"/vivier": ["region", "departement", "commune", "activite", "dispositif", "metier"],
             "/ressources": ["q", "mot_cle", "pole"]}[page]
    assert re.findall(r'name="([^"]+)"', form) == names
    assert f'href="{page}">Effacer les critères' in form
    assert ('value="y"' if page == "/vivier" else 'value="x"') in form
    if add:
        assert f'href="{add}"' in r.text
    else:
        assert '/nouveau"' not in r.text and '/nouvelle"' not in r.text
