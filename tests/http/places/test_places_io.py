"""Places in files: `tremplin places import` (CSV and JSON, the French report, all or nothing, --skip-invalid, upsert
by id), `tremplin places export` and GET /api/v1/places.{csv,json,geojson}, `tremplin gen places`; then editing
(/lieux/{id}/modifier: who may, stale versions, the journal) and the likely duplicates (/admin/doublons)."""
import csv
import io
import json
import os
import random

import pytest

from conftest import DATABASE, csrf_from, run_cli, seeded_database, sql, sql_int, text, unique

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.join(HERE, "..", "..", "..", "data", "standards", "exemple-valide.csv")

COLUMNS = ["id", "pivot", "nom", "commune", "code_postal", "code_insee", "adresse", "complement_adresse", "latitude",
           "longitude", "typologie", "telephone", "courriels", "site_web", "horaires", "presentation_resume",
           "presentation_detail", "source", "itinerance", "structure_parente", "date_maj", "services",
           "publics_specifiquement_adresses", "prise_en_charge_specifique", "frais_a_charge",
           "dispositif_programmes_nationaux", "formations_labels", "autres_formations_labels", "modalites_acces",
           "modalites_accompagnement", "fiche_acces_libre", "prise_rdv"]


def example_rows():
    with open(EXAMPLE, encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def guarded(row):
    """ROW as the CSV exports write it: a text cell a spreadsheet would run as a formula (it starts with = + - @
    tab or CR, maybe after apostrophes) behind an apostrophe, unless it is made of digits, spaces and + - . , ( ) /
    only (numbers, phone numbers: nothing a spreadsheet can run), so that the standard's values stay as they are."""
    def guard(name, v):
        bare = v.lstrip("'")
        if not bare or bare[0] not in ("=", "+", "-", "@", "\t", "\r"):
            return v
        return v if all(c in "0123456789 +-.,()/" for c in bare) else "'" + v
    return [guard(name, v) for name, v in zip(COLUMNS, row)]


def place(**values):
    """A valid place of the standard (every column), VALUES overriding."""
    row = dict.fromkeys(COLUMNS, "")
    row.update({"id": unique("p-"), "pivot": "43493312300029", "nom": "Espace numérique " + unique(""),
                "commune": "Reims", "code_postal": "51100", "code_insee": "51454", "adresse": "12 rue " + unique(""),
                "latitude": f"{random.uniform(49.2, 49.3):.5f}", "longitude": f"{random.uniform(3.9, 4.1):.5f}",
                "date_maj": "2024-04-02", "services": "Aide aux démarches administratives"})
    row.update(values)
    return row


def csv_text(rows, columns=COLUMNS, newline="\n"):
    out = io.StringIO()
    w = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator=newline)
    w.writerow(columns)
    for r in rows:
        w.writerow([r.get(c, "") for c in columns])
    return out.getvalue()


@pytest.fixture(scope="module")
def own_db(workdir):
    """A database of these tests alone (seeded with the reference data), so that their imports and exports
    are theirs exactly."""
    return seeded_database(workdir, "places-io")


@pytest.fixture()
def write(tmp_path):
    def do(content, name="lieux.csv", mode="w", **kw):
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="", **kw)
        return str(path)
    return do


def import_file(path, db, *args):
    return run_cli("places", "import", path, *args, database=db, timeout=300)


def export(db, fmt="csv"):
    r = run_cli("places", "export", "--format", fmt, database=db, timeout=300)
    assert r.returncode == 0, r.stderr
    return r.stdout


def exported_rows(db):
    rows = list(csv.reader(io.StringIO(export(db), newline="")))
    assert rows[0] == COLUMNS
    return {r[0]: r for r in rows[1:]}


# ---------------------------------------------------------------------------------------------
# Import and export


def test_valid_example_imports_and_exports_back_identically(own_db):
    r = import_file(EXAMPLE, own_db)
    assert r.returncode == 0, r.stderr
    assert "1 créé" in r.stdout
    header, row = example_rows()
    assert header == COLUMNS
    out = exported_rows(own_db)
    assert out["structure-1"] == guarded(row)
    # A phone number is kept as the standard writes it: it names no function a spreadsheet could run.
    assert out["structure-1"][COLUMNS.index("telephone")] == "+33180059880"
    # JSON: the same values, coordinates as numbers.
    items = {o["id"]: o for o in json.loads(export(own_db, "json"))}
    o = items["structure-1"]
    assert list(o) == COLUMNS
    for name, value in zip(COLUMNS, row):
        if name in ("latitude", "longitude"):
            assert o[name] == float(value)
        else:
            assert o[name] == value, name
    # GeoJSON: a Point [lon, lat] and the standard's fields as properties.
    geo = json.loads(export(own_db, "geojson"))
    assert geo["type"] == "FeatureCollection"
    f = [f for f in geo["features"] if f["properties"]["id"] == "structure-1"][0]
    assert f["geometry"] == {"type": "Point", "coordinates": [5.41423, 43.52609]}
    assert f["properties"]["services"] == row[COLUMNS.index("services")]


def test_exported_csv_imports_back_unchanged(own_db, write):
    """The apostrophe of the formula guard is taken off again on import: an export is a valid import file that
    changes nothing (the telephone "+33…" and a name "=cmd" come back as they were)."""
    p = place(nom="=cmd|' /C calc'!A0", telephone="+33180059880", presentation_resume="-- deux tirets")
    assert import_file(write(csv_text([p])), own_db).returncode == 0
    before = exported_rows(own_db)[p["id"]]
    assert before[COLUMNS.index("nom")] == "'=cmd|' /C calc'!A0"
    assert before[COLUMNS.index("presentation_resume")] == "'-- deux tirets"
    path = write(export(own_db), name="export.csv")
    r = import_file(path, own_db)
    assert r.returncode == 0, r.stderr
    assert "0 créé, 0 mis à jour" in r.stdout
    items = {o["id"]: o for o in json.loads(export(own_db, "json"))}
    assert items[p["id"]]["nom"] == p["nom"] and items[p["id"]]["telephone"] == "+33180059880"


def test_second_import_changes_nothing(own_db):
    assert import_file(EXAMPLE, own_db).returncode == 0
    version = sql("SELECT value FROM settings WHERE key = 'places_version'", database=own_db)
    r = import_file(EXAMPLE, own_db)
    assert r.returncode == 0, r.stderr
    assert "0 créé, 0 mis à jour, 1 inchangé, 0 rejeté." in r.stdout
    assert sql("SELECT value FROM settings WHERE key = 'places_version'", database=own_db) == version


def test_one_bad_row_imports_nothing_and_names_the_row(own_db, write):
    good1, bad, good2 = place(), place(code_postal="5100"), place()
    r = import_file(write(csv_text([good1, bad, good2])), own_db)
    assert r.returncode == 1
    assert "Ligne 3, colonne code_postal" in r.stderr
    assert "« Code postal » : « 5100 » doit contenir 5 chiffres." in r.stderr
    assert "Rien n'a été importé" in r.stderr
    out = exported_rows(own_db)
    assert good1["id"] not in out and good2["id"] not in out


def test_skip_invalid_imports_the_valid_rows(own_db, write):
    good, bad = place(), place(services="Réparation")
    r = import_file(write(csv_text([good, bad])), own_db, "--skip-invalid")
    assert r.returncode == 0, r.stderr
    assert "Ligne 3, colonne services" in r.stderr
    assert "« Services » : « Réparation » n'est pas une valeur de la liste du standard." in r.stderr
    assert "1 créé, 0 mis à jour, 0 inchangé, 1 rejeté." in r.stderr + r.stdout
    out = exported_rows(own_db)
    assert good["id"] in out and bad["id"] not in out


def test_update_by_id_and_journal(own_db, write):
    p = place()
    assert import_file(write(csv_text([p])), own_db).returncode == 0
    p2 = dict(p, nom=p["nom"] + " (Centre)", horaires="Mo-Fr 09:00-12:00")
    r = import_file(write(csv_text([p2]), name="v2.csv"), own_db)
    assert r.returncode == 0, r.stderr
    assert "0 créé, 1 mis à jour, 0 inchangé, 0 rejeté." in r.stdout
    assert exported_rows(own_db)[p["id"]][COLUMNS.index("nom")] == p2["nom"]
    details = sql("SELECT detail FROM journal WHERE entity = 'place' AND action = 'update' ORDER BY id",
                  database=own_db).splitlines()
    detail = [json.loads(d) for d in details if json.loads(d)["id"] == p["id"]][-1]
    assert detail["before"] == {"nom": p["nom"], "horaires": ""}
    assert detail["after"] == {"nom": p2["nom"], "horaires": "Mo-Fr 09:00-12:00"}


def test_json_input(own_db, write):
    p = place()
    obj = {k: v for k, v in p.items() if v != ""}
    obj["latitude"], obj["longitude"] = 49.2583, 4.0317
    r = import_file(write(json.dumps([obj], ensure_ascii=False), name="lieux.json"), own_db)
    assert r.returncode == 0, r.stderr
    assert "1 créé" in r.stdout
    row = exported_rows(own_db)[p["id"]]
    assert row[COLUMNS.index("latitude")] == "49.2583" and row[COLUMNS.index("nom")] == p["nom"]
    bad = dict(obj, id=unique("p-"), code_insee="7505")
    r = import_file(write(json.dumps([bad]), name="bad.json"), own_db)
    assert r.returncode == 1
    assert "Objet 1, colonne code_insee" in r.stderr and "« 7505 »" in r.stderr


def test_bom_crlf_quotes_and_multiline_values(own_db, write):
    p = place(presentation_detail='Un "lieu", ouvert à tous ;\nsur deux lignes.', nom="Café, numérique")
    data = "\ufeff" + csv_text([p], newline="\r\n")
    r = import_file(write(data), own_db)
    assert r.returncode == 0, r.stderr
    row = exported_rows(own_db)[p["id"]]
    assert row[COLUMNS.index("presentation_detail")] == p["presentation_detail"]
    assert row[COLUMNS.index("nom")] == "Café, numérique"


def test_header_any_order_and_optional_columns_absent(own_db, write):
    p = place()
    cols = ["nom", "id", "pivot", "commune", "code_postal", "adresse", "date_maj"]
    r = import_file(write(csv_text([p], columns=cols)), own_db)
    assert r.returncode == 0, r.stderr
    row = exported_rows(own_db)[p["id"]]
    assert row[COLUMNS.index("nom")] == p["nom"] and row[COLUMNS.index("latitude")] == ""


def test_unknown_and_missing_columns_are_named(own_db, write):
    p = place()
    r = import_file(write(csv_text([p], columns=COLUMNS + ["couleur"])), own_db)
    assert r.returncode == 1 and "« couleur »" in r.stderr
    r = import_file(write(csv_text([p], columns=[c for c in COLUMNS if c != "adresse"]), name="b.csv"), own_db)
    assert r.returncode == 1 and "Colonnes obligatoires absentes" in r.stderr and "« adresse »" in r.stderr


def test_caps_and_duplicate_ids(own_db, write):
    long = place(presentation_detail="é" * 10001)
    r = import_file(write(csv_text([long])), own_db)
    assert r.returncode == 1
    assert "colonne presentation_detail" in r.stderr and "dépasse 10000 caractères" in r.stderr
    huge = place(autres_formations_labels="x" * 70000)
    r = import_file(write(csv_text([huge]), name="huge.csv"), own_db)
    assert r.returncode == 1 and "La ligne 2 dépasse 64 Kio" in r.stderr
    a = place()
    r = import_file(write(csv_text([a, dict(place(), id=a["id"])]), name="dup.csv"), own_db)
    assert r.returncode == 1 and "Ligne 3, colonne id" in r.stderr and "ligne 2" in r.stderr


@pytest.mark.parametrize("field,value,reason", [
    ("latitude", "91", "doit être comprise entre -90 et 90"),
    ("longitude", "-180.5", "doit être comprise entre -180 et 180"),
    ("date_maj", "2024-02-30", "doit être une date réelle au format AAAA-MM-JJ"),
    ("courriels", "contact@exemple.fr|pas-un-courriel", "n'est pas une adresse électronique valide"),
    ("site_web", "www.exemple.fr", "n'est pas une adresse web"),
    ("telephone", "01 80 05", "n'est pas un numéro de téléphone"),
    ("pivot", "1234", "doit contenir de 9 à 14 lettres ou chiffres"),
])
def test_field_errors_are_named(own_db, write, field, value, reason):
    r = import_file(write(csv_text([place(**{field: value})])), own_db)
    assert r.returncode == 1
    shown = value.split("|")[-1]  # a list names its bad item
    assert f"colonne {field}" in r.stderr and reason in r.stderr and f"« {shown} »" in r.stderr


def test_coordinates_from_the_commune_are_approximate_and_not_exported(own_db, write):
    p = place(latitude="", longitude="")
    assert import_file(write(csv_text([p])), own_db).returncode == 0, "import"
    lat, approx, dep, reg = sql(f"SELECT latitude, coords_approx, departement_code, region_code FROM places "
                                f"WHERE id = '{p['id']}'", database=own_db).split("|")
    assert float(lat) == pytest.approx(49.26, abs=0.05) and approx == "1" and dep == "51" and reg == "44"
    assert exported_rows(own_db)[p["id"]][COLUMNS.index("latitude")] == ""
    geo = json.loads(export(own_db, "geojson"))
    assert p["id"] not in [f["properties"]["id"] for f in geo["features"]]


def test_duplicates_found_on_import(own_db, write):
    name = "Médiathèque " + unique("")
    a, b = place(nom=name, latitude="48.1", longitude="-1.6"), place(nom=name.upper(), latitude="49.0", longitude="-1.0")
    assert import_file(write(csv_text([a, b])), own_db).returncode == 0
    ids = sorted([a["id"], b["id"]])
    assert sql(f"SELECT status FROM place_duplicates WHERE a = '{ids[0]}' AND b = '{ids[1]}'",
               database=own_db) == "open"


def test_gen_places_writes_a_valid_file(own_db, tmp_path):
    out = str(tmp_path / "gen.csv")
    r = run_cli("gen", "places", "25", "--output", out, database=own_db)
    assert r.returncode == 0, r.stderr
    rows = list(csv.reader(open(out, encoding="utf-8", newline="")))
    assert rows[0] == COLUMNS and len(rows) == 26
    r = import_file(out, own_db)
    assert r.returncode == 0, r.stderr
    assert "25 créés" in r.stdout


def test_api_exports(base, server, write):
    """The public API exports the server's directory: the example comes back identical."""
    assert import_file(EXAMPLE, DATABASE).returncode == 0
    nowhere = place(commune="Nulle-Part", code_postal="00000", code_insee="", latitude="", longitude="")
    assert import_file(write(csv_text([nowhere])), DATABASE).returncode == 0
    import requests
    r = requests.get(base + "/api/v1/places.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8"), newline="")))
    assert rows[0] == COLUMNS
    by_id = {row[0]: row for row in rows[1:]}
    assert by_id["structure-1"] == guarded(example_rows()[1])
    assert nowhere["id"] in by_id
    r = requests.get(base + "/api/v1/places.json")
    assert r.status_code == 200
    ids = [o["id"] for o in r.json()]
    assert "structure-1" in ids and nowhere["id"] in ids
    r = requests.get(base + "/api/v1/places.geojson")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/geo+json")
    feats = {f["properties"]["id"]: f for f in r.json()["features"]}
    assert feats["structure-1"]["geometry"]["coordinates"] == [5.41423, 43.52609]
    assert nowhere["id"] not in feats


def test_api_csv_guards_formulas(base, server, write):
    """Issue 11, finding 8: the public places CSV goes through the one CSV writer, whose formula guard puts an
    apostrophe before a cell starting with = + - @ tab or CR (the JSON export keeps the value as it is)."""
    import requests
    evil = place(nom="=cmd|' /C calc'!A0", adresse="@SUM(1+1)", horaires="-2+3+cmd|' /C calc'!A0", telephone="+33475000000")
    assert import_file(write(csv_text([evil]), name="evil.csv"), DATABASE).returncode == 0
    r = requests.get(base + "/api/v1/places.csv")
    assert r.status_code == 200
    rows = {row[0]: row for row in csv.reader(io.StringIO(r.content.decode("utf-8"), newline=""))}
    row = rows[evil["id"]]
    assert row[COLUMNS.index("nom")] == "'=cmd|' /C calc'!A0"
    assert row[COLUMNS.index("adresse")] == "'@SUM(1+1)"
    assert row[COLUMNS.index("horaires")] == "'-2+3+cmd|' /C calc'!A0"
    assert row[COLUMNS.index("telephone")] == "+33475000000"  # digits and + only: nothing to run, kept
    assert float(row[COLUMNS.index("latitude")]) == float(evil["latitude"])  # a number: never guarded
    assert not any(cell[:1] in ("=", "+", "-", "@") and not all(c in "0123456789 +-.,()/" for c in cell)
                   for r2 in rows.values() for name, cell in zip(COLUMNS, r2))
    items = {o["id"]: o for o in requests.get(base + "/api/v1/places.json").json()}
    assert items[evil["id"]]["nom"] == evil["nom"]


# ---------------------------------------------------------------------------------------------
# Editing: who may, stale versions, the journal, date_maj


EMPLOYER_ORG = "Les Ateliers numériques de la vallée de la Drôme"


def server_import(write, *rows, name="server.csv"):
    r = import_file(write(csv_text(list(rows)), name=name), DATABASE)
    assert r.returncode == 0, r.stderr
    return rows


def edit_url(base, pid):
    return f"{base}/lieux/{pid}/modifier"


def form_version(html):
    import re
    m = re.search(r'<input type="hidden" name="version" value="(\d+)">', html)
    assert m, "no version in the edit form"
    return m.group(1)


@pytest.fixture(scope="module")
def places(server, tmp_path_factory):
    """Two places of the server's directory: one managed by the demo employer's organisation, one by nobody."""
    from conftest import org_id
    d = tmp_path_factory.mktemp("places")
    mine, other = place(nom="EPN " + unique("")), place(nom="Médiathèque " + unique(""))
    path = d / "two.csv"
    path.write_text(csv_text([mine, other]), encoding="utf-8")
    r = import_file(str(path), DATABASE)
    assert r.returncode == 0, r.stderr
    sql(f"UPDATE places SET organisation_id = {org_id(EMPLOYER_ORG)} WHERE id = '{mine['id']}'")
    return {"mine": mine["id"], "other": other["id"]}


def post_edit(session, base, pid, data, csrf=None):
    page = session.get(edit_url(base, pid))
    assert page.status_code == 200, page.status_code
    body = {"csrf": csrf or csrf_from(page.text), "version": form_version(page.text)}
    body.update(data)
    return session.post(edit_url(base, pid), data=body, allow_redirects=False)


def test_employer_edits_the_places_of_its_organisation_only(base, sessions, places):
    s = sessions["employer"]
    r = post_edit(s, base, places["mine"], {"horaires": "Mo-Fr 09:00-17:00"})
    assert r.status_code == 303 and r.headers["location"] == f"/lieux/{places['mine']}"
    assert sql(f"SELECT horaires FROM places WHERE id = '{places['mine']}'") == "Mo-Fr 09:00-17:00"
    assert s.get(edit_url(base, places["other"])).status_code == 403
    csrf = csrf_from(s.get(edit_url(base, places["mine"])).text)
    r = s.post(edit_url(base, places["other"]), data={"csrf": csrf, "version": "1", "nom": "Pris"}, allow_redirects=False)
    assert r.status_code == 403
    assert sql(f"SELECT nom FROM places WHERE id = '{places['other']}'") != "Pris"


def test_national_and_admin_edit_all(base, sessions, places):
    for role in ("national", "admin"):
        r = post_edit(sessions[role], base, places["other"], {"complement_adresse": f"Bâtiment {role}"})
        assert r.status_code == 303, (role, r.status_code)
    assert sql(f"SELECT complement_adresse FROM places WHERE id = '{places['other']}'") == "Bâtiment admin"


@pytest.mark.parametrize("role", ["regional", "pole", "prescriber", "trainer", "candidate", "sponsor", "viewer"])
def test_other_roles_may_not_edit(base, sessions, places, role):
    assert sessions[role].get(edit_url(base, places["mine"])).status_code == 403


def test_anonymous_is_sent_to_sign_in(base, places):
    import requests
    r = requests.get(edit_url(base, places["mine"]), allow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/connexion")


def test_stale_version_is_refused(base, admin, places):
    page = admin.get(edit_url(base, places["other"]))
    body = {"csrf": csrf_from(page.text), "version": form_version(page.text), "source": "première"}
    assert admin.post(edit_url(base, places["other"]), data=body, allow_redirects=False).status_code == 303
    body["source"] = "seconde"
    r = admin.post(edit_url(base, places["other"]), data=body, allow_redirects=False)
    assert r.status_code == 409
    assert "rechargez la page" in text(r)
    assert sql(f"SELECT source FROM places WHERE id = '{places['other']}'") == "première"


def test_invalid_value_shows_the_form_with_the_error(base, admin, places):
    r = post_edit(admin, base, places["other"], {"code_postal": "5100"})
    assert r.status_code == 422
    assert "« Code postal » : « 5100 » doit contenir 5 chiffres." in text(r)
    assert 'href="#code_postal"' in r.text


def test_journal_before_after_and_date_maj(base, admin, places):
    import datetime
    pid = places["other"]
    sql(f"UPDATE places SET date_maj = '2020-01-01' WHERE id = '{pid}'")
    old = sql(f"SELECT nom FROM places WHERE id = '{pid}'")
    # Only an extra changes: date_maj stays.
    r = post_edit(admin, base, pid, {"netpublic": "1"})
    assert r.status_code == 303
    assert sql(f"SELECT date_maj, netpublic FROM places WHERE id = '{pid}'") == "2020-01-01|1"
    r = post_edit(admin, base, pid, {"nom": old + " bis"})
    assert r.status_code == 303
    today = sql(f"SELECT date_maj FROM places WHERE id = '{pid}'")
    assert abs((datetime.date.fromisoformat(today) - datetime.date.today()).days) <= 1
    details = [json.loads(d) for d in sql("SELECT detail FROM journal WHERE entity = 'place' AND action = 'update' "
                                          "ORDER BY id").splitlines()]
    last = [d for d in details if d["id"] == pid][-1]
    assert last["before"]["nom"] == old and last["after"]["nom"] == old + " bis"
    assert last["before"]["date_maj"] == "2020-01-01" and last["after"]["date_maj"] == today
    assert journal_ok()


def journal_ok():
    from conftest import journal_verify
    return journal_verify().returncode == 0


def test_vocabulary_checkboxes(base, admin, places):
    pid = places["other"]
    page = admin.get(edit_url(base, pid))
    assert 'name="services" value="Aide aux démarches administratives" checked' in page.text
    body = {"csrf": csrf_from(page.text), "version": form_version(page.text), "formulaire_complet": "1",
            "nom": sql(f"SELECT nom FROM places WHERE id = '{pid}'"), "pivot": "43493312300029", "commune": "Reims",
            "code_postal": "51100", "adresse": "12 rue de Vesle",
            "services": ["Loisirs et créations numériques", "Aide aux démarches administratives"],
            "frais_a_charge": "Gratuit", "networks": ["epi", "cyber-base"]}
    r = admin.post(edit_url(base, pid), data=body, allow_redirects=False)
    assert r.status_code == 303, text(r)
    def column(name):
        return sql(f"SELECT {name} FROM places WHERE id = '{pid}'")
    assert set(column("services").split("|")) == {"Loisirs et créations numériques", "Aide aux démarches administratives"}
    assert column("frais_a_charge") == "Gratuit"
    assert set(column("networks").split("|")) == {"epi", "cyber-base"}
    assert column("netpublic") == "0"  # unchecked in a form shown whole


# ---------------------------------------------------------------------------------------------
# Import page


def test_import_page(base, sessions, admin):
    assert sessions["national"].get(base + "/lieux/import").status_code == 200
    assert sessions["employer"].get(base + "/lieux/import").status_code == 403
    csrf = csrf_from(admin.get(base + "/lieux/import").text)
    good, bad = place(), place(code_insee="7505")
    data = csv_text([good, bad]).encode("utf-8")
    r = admin.post(base + "/lieux/import", data={"csrf": csrf}, files={"fichier": ("lieux.csv", data, "text/csv")})
    assert r.status_code == 422
    page = text(r)
    assert "Rien n'a été importé" in page and "code_insee" in page and "7505" in page and "<td>3</td>" in page
    r = admin.post(base + "/lieux/import", data={"csrf": csrf, "skip_invalid": "1"},
                   files={"fichier": ("lieux.csv", data, "text/csv")})
    assert r.status_code == 200
    assert "1 créé, 0 mis à jour, 0 inchangé, 1 rejeté." in text(r)
    assert sql(f"SELECT COUNT(*) FROM places WHERE id = '{good['id']}'") == "1"


# ---------------------------------------------------------------------------------------------
# Likely duplicates


def pair(write, **extra_b):
    name = "Point numérique " + unique("")
    spot = lambda: {"latitude": f"{random.uniform(43, 50):.5f}", "longitude": f"{random.uniform(-1, 7):.5f}"}
    a = place(nom=name, telephone="", **spot())
    b = place(nom=name.lower(), telephone="+33180059880", **spot(), **extra_b)
    server_import(write, a, b, name=unique("pair") + ".csv")
    return tuple(sorted([a["id"], b["id"]]))


def test_duplicates_listed_and_merged(base, sessions, admin, write):
    a, b = pair(write)
    assert sessions["national"].get(base + "/admin/doublons").status_code == 403
    page = admin.get(base + "/admin/doublons")
    assert page.status_code == 200 and a in page.text and b in page.text
    assert "même commune et nom semblable" in text(page)
    r = admin.post(base + "/admin/doublons/decider", data={"csrf": csrf_from(page.text), "a": a, "b": b, "decision": "a"},
                   allow_redirects=False)
    assert r.status_code == 303
    assert sql(f"SELECT status FROM place_duplicates WHERE a = '{a}' AND b = '{b}'") == "merged"
    assert sql(f"SELECT merged_into FROM places WHERE id = '{b}'") == a
    assert sql(f"SELECT telephone FROM places WHERE id = '{a}'") == "+33180059880"  # the richest values
    r = admin.get(edit_url(base, b), allow_redirects=False)
    assert r.status_code == 302 and r.headers["location"] == f"/lieux/{a}/modifier"
    import requests
    ids = [o["id"] for o in requests.get(base + "/api/v1/places.json").json()]
    assert a in ids and b not in ids
    assert a not in admin.get(base + "/admin/doublons").text
    actions = sql("SELECT action FROM journal WHERE entity = 'place' ORDER BY id DESC LIMIT 5")
    assert "merge" in actions and "duplicate_merged" in actions


def test_duplicates_marked_distinct(base, admin, write):
    a, b = pair(write)
    page = admin.get(base + "/admin/doublons")
    r = admin.post(base + "/admin/doublons/decider",
                   data={"csrf": csrf_from(page.text), "a": a, "b": b, "decision": "distinct"}, allow_redirects=False)
    assert r.status_code == 303
    assert sql(f"SELECT status FROM place_duplicates WHERE a = '{a}' AND b = '{b}'") == "distinct"
    assert sql(f"SELECT COUNT(*) FROM places WHERE id IN ('{a}', '{b}') AND merged_into IS NULL") == "2"
    # Importing them again does not reopen the pair.
    assert a not in admin.get(base + "/admin/doublons").text
    r = admin.post(base + "/admin/doublons/decider",
                   data={"csrf": csrf_from(page.text), "a": a, "b": b, "decision": "a"}, allow_redirects=False)
    assert r.status_code == 409


def test_national_officers_add_networks(base, sessions):
    s = sessions["national"]
    csrf = csrf_from(s.get(base + "/lieux/import").text)
    code = unique("res-")
    r = s.post(base + "/lieux/reseaux", data={"csrf": csrf, "code": code, "label": "Réseau des EPN de la Drôme"},
               allow_redirects=False)
    assert r.status_code == 303
    assert "Réseau des EPN de la Drôme" in text(s.get(base + "/lieux/import"))
    r = s.post(base + "/lieux/reseaux", data={"csrf": csrf, "code": code, "label": "Encore"}, allow_redirects=False)
    assert r.status_code == 409 and "ce code existe déjà" in text(r)
    r = s.post(base + "/lieux/reseaux", data={"csrf": csrf, "code": "Pas Bon", "label": ""}, allow_redirects=False)
    assert r.status_code == 422 and "« Code du réseau »" in text(r)
    e = sessions["employer"]
    r = e.post(base + "/lieux/reseaux", data={"csrf": csrf_from(e.get(base + "/").text), "code": unique("x-"),
                                              "label": "Non"}, allow_redirects=False)
    assert r.status_code == 403
    assert sql(f"SELECT label FROM place_networks WHERE code = '{code}'") == "Réseau des EPN de la Drôme"
