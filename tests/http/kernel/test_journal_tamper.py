"""The journal of a dossier's path verifies with `tremplin journal verify`, and an altered entry is named."""
import requests

from conftest import DEMO_ACCOUNTS, journal_verify, run_cli, sql, sql_int, unique


def bearer(email):
    r = run_cli("token", "create", email, unique("tamper-"))
    assert r.returncode == 0, r.stderr
    s = requests.Session()
    s.headers["Authorization"] = "Bearer " + r.stdout.strip()
    return s


def validated_dossier(base):
    """A dossier of the demo structure taken through submit, opinion and validation; returns its id."""
    structure, regional, national = (bearer(DEMO_ACCOUNTS[r]) for r in ("employer", "regional", "national"))
    items = requests.get(base + "/api/v1/programmes").json()["items"]
    eav = requests.get(base + f"/api/v1/programmes/{next(p['id'] for p in items if p['code'] == 'EAV-EPN-2013')}")
    eav = eav.json()
    body = {
        "programme_id": eav["id"], "place_id": "demo-ateliers-numeriques-crest", "employer_category": "collectivite",
        "contact_name": "Élodie Mairie", "contact_email": "mairie@exemple.fr", "project": "Un médiateur à Crest.",
        "job_profile_id": eav["job_profiles"][0]["id"], "tutor_name": "Anne Tutrice", "tutor_qualities": "Animatrice",
        "sponsor_name": "Paul Parrain", "sponsor_qualities": "Gérant", "company_name": "Valence Informatique",
        "company_siret": "73282932000074", "company_activity": "Informatique",
        "pole_id": next(p["id"] for p in eav["poles"] if p["code"] == "centre-est"),
        "training_path": "Parcours qualifiant", "development_project": "Ouvrir le samedi.", "posts_requested": 1,
        "signed_on": "2025-10-01", "signatory": "La maire",
    }
    r = structure.post(base + "/api/v1/dossiers", json=body)
    assert r.status_code == 201, r.text
    d = r.json()
    for s, action, payload in [(structure, "submit", {}),
                               (regional, "give_opinion", {"opinion": "favourable", "advice": "Continuer ainsi"}),
                               (national, "validate", {"posts_granted": 1})]:
        r = s.post(base + f"/api/v1/dossiers/{d['id']}/actions/{action}", json={"version": d["version"], **payload})
        assert r.status_code == 200, (action, r.text)
        d = r.json()
    assert d["state"] == "validated"
    return d["id"]


def test_the_journal_verifies_after_a_path_and_names_an_altered_entry(base):
    d = validated_dossier(base)
    r = journal_verify()
    assert r.returncode == 0, r.stderr
    assert "chain intact" in r.stdout
    victim = sql_int(f"SELECT id FROM journal WHERE entity = 'dossier' AND entity_id = {d} AND action = 'give_opinion'")
    original = sql(f"SELECT detail FROM journal WHERE id = {victim}")
    assert '"favourable"' in original
    forged = original.replace('"favourable"', '"unfavourable"').replace("'", "''")
    sql(f"UPDATE journal SET detail = '{forged}' WHERE id = {victim}")
    try:
        r = journal_verify()
        assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
        assert f"entry {victim}" in r.stderr
        assert "chain intact" not in r.stdout
    finally:
        sql(f"UPDATE journal SET detail = '{original.replace(chr(39), chr(39) * 2)}' WHERE id = {victim}")
    r = journal_verify()
    assert r.returncode == 0, r.stderr


def test_an_altered_decision_hash_is_named(base):
    d = validated_dossier(base)
    victim = sql_int(f"SELECT id FROM journal WHERE entity = 'dossier' AND entity_id = {d} AND action = 'validate'")
    original = sql(f"SELECT detail FROM journal WHERE id = {victim}")
    assert '"protocol_sha256":"' in original
    i = original.index('"protocol_sha256":"') + len('"protocol_sha256":"')
    forged = original[:i] + ("0" if original[i] != "0" else "1") + original[i + 1:]
    sql(f"UPDATE journal SET detail = '{forged.replace(chr(39), chr(39) * 2)}' WHERE id = {victim}")
    try:
        r = journal_verify()
        assert r.returncode == 1
        assert f"entry {victim}" in r.stderr
    finally:
        sql(f"UPDATE journal SET detail = '{original.replace(chr(39), chr(39) * 2)}' WHERE id = {victim}")
    assert journal_verify().returncode == 0
