"""The pages of programmes and dossiers: each role's pages, the list's filters and exports, the three-step path
through the forms (a structure files, the regional officer gives an opinion, the national delegation validates),
form errors (422), stale forms (409), other people's dossiers (404: they do not exist for them), the Annex I form's rules."""
import csv
import datetime
import io
import re
import zipfile

import pytest
import requests

from conftest import DEMO_ACCOUNTS, ROLES, luhn_siret, page_csrf, paris_today, sql, sql_int, text, unique

PLACE = "demo-ateliers-numeriques-crest"  # the demo structure's EPN, in Crest (Auvergne-Rhône-Alpes, 84)
DOSSIER_ROLES = {"employer", "regional", "pole", "national", "admin"}
HEADINGS = {"employer": "Mes dossiers", "regional": "File régionale", "pole": "Dossiers des régions du pôle",
            "national": "File nationale", "admin": "Tous les dossiers"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STALE = "a changé depuis votre lecture"


# ---------------------------------------------------------------------------------------------
# Helpers


def eav():
    return sql_int("SELECT id FROM programmes WHERE code = 'EAV-EPN-2013'")


def cnfs():
    return sql_int("SELECT id FROM programmes WHERE code = 'CNFS-2020'")


def profile(code="forgeur-numerique"):
    return sql_int(f"SELECT id FROM job_profiles WHERE code = '{code}' AND programme_id = {eav()}")


def centre_est():
    return sql_int(f"SELECT id FROM poles WHERE code = 'centre-est' AND programme_id = {eav()}")


def annex(**over):
    """A complete Annex I for the EAV-EPN programme, as the form sends it."""
    yesterday = (paris_today() - datetime.timedelta(days=1)).isoformat()
    data = {
        "place_id": PLACE, "place_other": "", "netpublic": "1", "employer_category": "association",
        "contact_name": "Sébastien Structure", "contact_email": "contact@ateliers.example.fr",
        "contact_phone": "0475000000", "project": "Recruter un jeune pour le Fab Lab mobile.",
        "job_profile_id": str(profile()), "tutor_name": "Hélène Tutrice",
        "tutor_qualities": "Animatrice multimédia depuis dix ans.", "sponsor_name": "Paul Parrain",
        "sponsor_qualities": "Chef d'entreprise du numérique.", "company_name": "Valence Informatique Services",
        "company_siret": luhn_siret(), "company_activity": "Maintenance informatique",
        "pole_id": str(centre_est()), "training_path": "Prise de poste puis CAO et fabrication numérique.",
        "development_project": "Ouvrir l'atelier le samedi.\nAccueillir les collèges.", "posts_requested": "2",
        "signed_on": yesterday, "signatory": "La présidente de l'association", "formulaire_complet": "1",
    }
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


class Person:
    """A signed-in session with its CSRF token."""

    def __init__(self, base, session):
        self.base, self.s = base, session
        self.csrf = page_csrf(session, base)

    def get(self, path, **kw):
        return self.s.get(self.base + path, allow_redirects=False, **kw)

    def post(self, path, data, **kw):
        return self.s.post(self.base + path, data={**data, "csrf": self.csrf}, allow_redirects=False, **kw)


@pytest.fixture(scope="module")
def people(base, sessions):
    return {role: Person(base, sessions[role]) for role in ("employer", "regional", "pole", "national", "admin")}


def new_draft(person, **over):
    """Files a draft of the EAV-EPN programme through the form; returns its id."""
    r = person.post("/dossiers/nouveau", {"programme_id": str(eav()), **annex(**over)})
    assert r.status_code == 303, (r.status_code, text(r)[:2000])
    m = re.fullmatch(r"/dossiers/(\d+)", r.headers["location"])
    assert m, r.headers["location"]
    return int(m.group(1))


def action_form(html, dossier, action):
    """The hidden fields of the form of ACTION on the dossier page, or None when the page has no such form."""
    m = re.search(rf'<form method="post" action="/dossiers/{dossier}/actions/{action}"[^>]*>(.*?)</form>', html, re.S)
    if not m:
        return None
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', m.group(1)))


def act(person, dossier, action, **payload):
    """Takes ACTION through its form on the dossier page (version as the page shows it)."""
    page = person.get(f"/dossiers/{dossier}")
    assert page.status_code == 200, page.status_code
    hidden = action_form(page.text, dossier, action)
    assert hidden is not None, f"no form for {action} on dossier {dossier}"
    r = person.post(f"/dossiers/{dossier}/actions/{action}", {"version": hidden["version"], **payload})
    if r.status_code == 200 and 'name="confirmed" value="1"' in r.text:  # an irreversible action: confirm it
        r = person.post(f"/dossiers/{dossier}/actions/{action}",
                        {"version": hidden["version"], **payload, "confirmed": "1"})
    return r


def state(dossier):
    return sql(f"SELECT state FROM dossiers WHERE id = {dossier}")


def version(dossier):
    return sql_int(f"SELECT version FROM dossiers WHERE id = {dossier}")


def follow(person, r):
    """The page a 303 leads to."""
    assert r.status_code == 303, (r.status_code, text(r)[:1500])
    return person.get(r.headers["location"].split("#")[0])


# ---------------------------------------------------------------------------------------------
# Pages by role


@pytest.mark.parametrize("role", ROLES)
def test_pages_of_each_role(base, sessions, role):
    s = sessions[role]
    r = s.get(base + "/programmes")
    assert r.status_code == 200
    page = text(r)
    assert "2000 Emplois d'Avenir en EPN" in page and 'href="/programmes"' in page
    assert ('href="/dossiers"' in page) == (role in DOSSIER_ROLES), "the Dossiers menu entry"
    r = s.get(base + f"/programmes/{eav()}")
    assert r.status_code == 200
    page = text(r)
    for expected in ("Forgeur numérique", "Régisseur multimédia", "Pôle de ressources Centre-Est",
                     "<caption>Postes demandés, accordés et objectif, par région</caption>", "de 12 à 36 mois"):
        assert expected in page, expected
    r = s.get(base + "/dossiers", allow_redirects=False)
    if role in DOSSIER_ROLES:
        assert r.status_code == 200
        assert f"<h1>{HEADINGS[role]}</h1>" in text(r)
        assert ("Nouveau dossier" in text(r)) == (role == "employer")
    else:
        assert r.status_code == 403
    r = s.get(base + "/dossiers/nouveau", allow_redirects=False)
    assert r.status_code == (200 if role == "employer" else 403)
    r = s.get(base + "/programmes/nouveau", allow_redirects=False)
    assert r.status_code == (200 if role in ("national", "admin") else 403)


def test_anonymous(base):
    assert requests.get(base + "/programmes").status_code == 200
    assert requests.get(base + f"/programmes/{eav()}").status_code == 200
    for path in ("/dossiers", "/dossiers.csv", "/dossiers/nouveau", "/programmes/nouveau"):
        r = requests.get(base + path, allow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/connexion?suivant="), path


# ---------------------------------------------------------------------------------------------
# The three steps through the forms


def test_three_steps_through_the_forms(base, people, wait_mail):
    st, rg, nat, pole = people["employer"], people["regional"], people["national"], people["pole"]

    # Step 0: the structure chooses the programme, then fills the form.
    r = st.get("/dossiers/nouveau")
    assert r.status_code == 200 and 'name="dispositif"' in r.text and "Conseillers numériques" in text(r)
    r = st.get(f"/dossiers/nouveau?dispositif={eav()}")
    assert r.status_code == 200
    page = text(r)
    assert f'<option value="{PLACE}">' in page, "the structure's places are offered"
    assert 'rows="10" cols="80"' in page and 'name="formulaire_complet"' in page
    r = st.post("/dossiers/nouveau", {"programme_id": str(eav()), **annex()})
    page = text(follow(st, r))
    dossier = int(re.fullmatch(r"/dossiers/(\d+)", r.headers["location"]).group(1))
    assert "Le brouillon est enregistré" in page and "Brouillon" in page
    assert "Hélène Tutrice" in page and "Accueillir les collèges." in page
    assert 'href="/dossiers/%d/modifier"' % dossier in page
    assert "Télécharger le protocole (PDF)" in page
    assert action_form(page, dossier, "submit") is not None and action_form(page, dossier, "withdraw") is not None
    # Nobody else sees a draft: for them it does not exist.
    assert rg.get(f"/dossiers/{dossier}").status_code == 404

    # Step 1: the structure submits; the regional officer is told, and sees it in the queue.
    page = text(follow(st, act(st, dossier, "submit")))
    assert f"Le dossier n° {dossier} est déposé : il a été transmis au chargé de mission régional." in page
    assert "En attente de l'avis régional" in page
    assert "Modifier</a>" not in page, "a submitted dossier cannot be edited"
    mail = wait_mail(DEMO_ACCOUNTS["regional"], f"Dossier n° {dossier} ")
    assert f"/dossiers/{dossier}" in mail
    queue = text(rg.get("/dossiers"))
    assert f'href="/dossiers/{dossier}"' in queue
    page = text(rg.get(f"/dossiers/{dossier}"))
    assert action_form(page, dossier, "give_opinion") is not None
    # The opinion block names who gives it, as the programme says (the 2013 circular: the SGAR's ICT officer).
    assert '<h2 id="avis" class="fr-mt-6w">Avis régional : Chargé de mission TIC du SGAR</h2>' in page
    assert action_form(page, dossier, "validate") is None, "the regional officer does not decide"
    assert 'type="radio"' in page and "Favorable avec réserves" in page
    # The pole of the region reads it, without any action.
    page = text(pole.get(f"/dossiers/{dossier}"))
    assert "Vos actions" not in page

    # A message from the regional officer to the structure.
    r = rg.post(f"/dossiers/{dossier}/messages", {"body": "Pouvez-vous préciser les horaires d'ouverture ?"})
    assert r.status_code == 303 and r.headers["location"].endswith("#messages")
    assert "Pouvez-vous préciser les horaires" in wait_mail(DEMO_ACCOUNTS["employer"], "nouveau message")
    assert "Pouvez-vous préciser les horaires d'ouverture ?" in text(st.get(f"/dossiers/{dossier}"))

    # Step 2: the regional opinion, favourable with reservations.
    r = act(rg, dossier, "give_opinion", opinion="favourable_reserves",
            suggestions="Élargir les horaires à l'été.", advice="Prévoir un second tuteur à mi-parcours.")
    page = text(follow(rg, r))
    assert f"L'avis régional sur le dossier n° {dossier} est rendu" in page and "En attente de la décision nationale" in page
    assert "Favorable avec réserves" in page and "Élargir les horaires à l'été." in page

    # Step 3: the national decision.
    page = text(nat.get(f"/dossiers/{dossier}"))
    assert action_form(page, dossier, "validate") is not None and action_form(page, dossier, "refuse") is not None
    # Asked first, with its consequence; nothing decided until confirmed.
    hidden = action_form(page, dossier, "validate")
    r = nat.post(f"/dossiers/{dossier}/actions/validate", {"version": hidden["version"], "posts_granted": "2"})
    assert r.status_code == 200 and "Valider ce dossier ? Le protocole sera établi" in text(r)
    assert f'href="/dossiers/{dossier}"' in r.text and state(dossier) == "national_review"
    page = text(follow(nat, act(nat, dossier, "validate", posts_granted="2")))
    assert f"Le dossier n° {dossier} est validé" in page and "Dossier validé : 2 postes accordés" in page
    assert state(dossier) == "validated"

    # The timeline: who, what, from → to.
    page = text(st.get(f"/dossiers/{dossier}"))
    assert "<caption>Historique du dossier, du plus ancien au plus récent</caption>" in page
    for step in ("Brouillon créé", "Dossier déposé", "Avis régional rendu", "Dossier validé",
                 "Brouillon → En attente de l'avis régional",
                 "En attente de l'avis régional → En attente de la décision nationale",
                 "En attente de la décision nationale → Validé", "Avis : Favorable avec réserves",
                 "Postes accordés : 2", "Nadia Délégation", "Rémi Chargé-de-mission"):
        assert step in page, step
    history = page[page.index("<caption>Historique"):]
    assert history.index("Brouillon créé") < history.index("Dossier validé"), "oldest first"

    # The protocol.
    r = st.get(f"/dossiers/{dossier}/protocole.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"] == f'inline; filename="protocole-{dossier}.pdf"'
    assert r.content.startswith(b"%PDF-")
    assert rg.get(f"/dossiers/{dossier}/protocole.pdf").status_code == 200


# ---------------------------------------------------------------------------------------------
# Errors: 422, 409, 403


def test_form_errors_rerender_the_dossier_page(base, people):
    st, rg, nat = people["employer"], people["regional"], people["national"]
    dossier = new_draft(st, tutor_name="", signatory="")

    # Submitting an incomplete draft names the missing fields, linked to the edit form.
    r = act(st, dossier, "submit")
    assert r.status_code == 422
    page = text(r)
    assert "<title>Erreur : Dossier n°" in page and "fr-alert--error" in page
    assert "« Nom du tuteur » est obligatoire pour déposer le dossier." in page
    assert f'href="/dossiers/{dossier}/modifier#tutor_name"' in page
    assert state(dossier) == "draft"

    st.post(f"/dossiers/{dossier}/modifier",
            {"version": str(version(dossier)), **annex(tutor_name="Hélène Tutrice", signatory="Le président")})
    assert act(st, dossier, "submit").status_code == 303

    # An opinion without its choice: the opinion form comes back with its error, the field named.
    r = act(rg, dossier, "give_opinion", suggestions="Des suggestions sans avis")
    assert r.status_code == 422
    page = text(r)
    assert 'href="#give_opinion-opinion"' in page and "« Avis »" in page
    assert 'id="give_opinion-opinion"' in page and "fr-fieldset--error" in page
    assert "Des suggestions sans avis" in page, "what was typed is shown back"
    assert state(dossier) == "regional_review"
    assert act(rg, dossier, "give_opinion", opinion="favourable").status_code == 303

    # A validation without its number of posts.
    r = act(nat, dossier, "validate", posts_granted="")
    assert r.status_code == 422
    page = text(r)
    assert 'href="#validate-posts_granted"' in page and "« Nombre de postes accordés »" in page
    assert 'aria-invalid="true"' in page and "fr-input-group--error" in page
    # A message left empty.
    r = nat.post(f"/dossiers/{dossier}/messages", {"body": "  "})
    assert r.status_code == 422 and 'href="#message-body"' in r.text

    # A stale form: the page again, with the message, status 409; nothing changes.
    stale = version(dossier)
    assert act(nat, dossier, "request_changes", questions="Quel planning ?").status_code == 303
    r = nat.post(f"/dossiers/{dossier}/actions/refuse", {"version": str(stale), "reason": "Trop tard"})
    assert r.status_code == 409 and STALE in text(r) and "<h1>Dossier n°" in text(r)
    assert state(dossier) == "changes_requested"
    # The structure reads the questions, may edit again and resubmit.
    page = text(st.get(f"/dossiers/{dossier}"))
    assert "Compléments demandés" in page and "Quel planning ?" in page
    assert f'href="/dossiers/{dossier}/modifier"' in page and action_form(page, dossier, "resubmit") is not None
    assert follow(st, act(st, dossier, "resubmit")).status_code == 200 and state(dossier) == "regional_review"
    # An unknown action.
    assert nat.post(f"/dossiers/{dossier}/actions/teleporter", {"version": "1"}).status_code == 404


def test_other_region_and_other_structure_find_nothing(base, people, make_account, api, login):
    st = people["employer"]
    dossier = new_draft(st)
    assert act(st, dossier, "submit").status_code == 303
    pw = "mot de passe d'une autre région"
    other_region = make_account("regional", password=pw, regions="11")
    rg = Person(base, login(other_region["_email"], pw))
    assert rg.get(f"/dossiers/{dossier}").status_code == 404
    assert rg.get(f"/dossiers/{dossier}/protocole.pdf").status_code == 404
    r = rg.post(f"/dossiers/{dossier}/actions/give_opinion", {"version": str(version(dossier)), "opinion": "favourable"})
    assert r.status_code == 404 and "n'existe pas" in text(r)
    assert f'href="/dossiers/{dossier}"' not in text(rg.get("/dossiers"))

    org = api.post(base + "/api/v1/organisations",
                   json={"name": unique("Autre structure "), "kind": "employer", "commune_code": "26108"})
    assert org.status_code == 201, org.text
    pw = "mot de passe d'une autre structure"
    other = make_account("employer", password=pw, organisation_id=org.json()["id"])
    os_ = Person(base, login(other["_email"], pw))
    assert os_.get(f"/dossiers/{dossier}").status_code == 404
    assert os_.get(f"/dossiers/{dossier}/modifier").status_code == 404
    r = os_.post(f"/dossiers/{dossier}/modifier", {"version": str(version(dossier)), **annex()})
    assert r.status_code == 404
    r = os_.post(f"/dossiers/{dossier}/actions/withdraw", {"version": str(version(dossier))})
    assert r.status_code == 404
    r = os_.post(f"/dossiers/{dossier}/messages", {"body": "Je ne devrais pas écrire ici"})
    assert r.status_code == 404
    assert state(dossier) == "regional_review"


# ---------------------------------------------------------------------------------------------
# The Annex I form


def test_edit_form_checkboxes_and_project_lines(base, people):
    st = people["employer"]
    dossier = new_draft(st)
    assert sql(f"SELECT netpublic FROM dossiers WHERE id = {dossier}") == "1"
    page = text(st.get(f"/dossiers/{dossier}/modifier"))
    assert 'name="version"' in page and 'id="netpublic" name="netpublic" value="1" checked' in page
    # Unticked: the box is not sent, the marker is: false.
    data = annex(contact_name="Nouveau contact", version=str(version(dossier)))
    del data["netpublic"]
    assert st.post(f"/dossiers/{dossier}/modifier", data).status_code == 303
    assert sql(f"SELECT netpublic, contact_name FROM dossiers WHERE id = {dossier}") == "0|Nouveau contact"
    # Without the marker (a partial post), an absent box keeps its value.
    st.post(f"/dossiers/{dossier}/modifier", {"version": str(version(dossier)), "listed_national": "1"})
    data = {"version": str(version(dossier)), "contact_phone": "0475111111"}
    assert st.post(f"/dossiers/{dossier}/modifier", data).status_code == 303
    assert sql(f"SELECT netpublic, listed_national FROM dossiers WHERE id = {dossier}") == "0|1"
    # Eleven lines of development project: refused, the field named; the typed text comes back.
    long_text = "\n".join(f"Ligne {i}" for i in range(11))
    r = st.post(f"/dossiers/{dossier}/modifier", annex(development_project=long_text, version=str(version(dossier))))
    assert r.status_code == 422
    page = text(r)
    assert 'href="#development_project"' in page and "11 lignes" in page and "Ligne 10" in page
    # A stale edit: the form again with the message.
    r = st.post(f"/dossiers/{dossier}/modifier", annex(version="1"))
    assert r.status_code == 409 and STALE in text(r) and "<form" in r.text
    # Another place, typed: it wins over the list, when it is one of the structure's.
    other = sql("SELECT id FROM places WHERE id <> '%s' AND merged_into IS NULL AND organisation_id = (SELECT "
                "organisation_id FROM places WHERE id = '%s') ORDER BY id LIMIT 1" % (PLACE, PLACE))
    if other:
        assert st.post(f"/dossiers/{dossier}/modifier",
                       annex(place_other=other, version=str(version(dossier)))).status_code == 303
        assert sql(f"SELECT place_id FROM dossiers WHERE id = {dossier}") == other
    # Another structure's place is refused (its dossier would land in another region's queue).
    theirs = sql("SELECT id FROM places WHERE merged_into IS NULL AND organisation_id <> (SELECT organisation_id "
                 "FROM places WHERE id = '%s') ORDER BY id LIMIT 1" % PLACE)
    if theirs:
        r = st.post(f"/dossiers/{dossier}/modifier", annex(place_other=theirs, version=str(version(dossier))))
        assert r.status_code == 422 and "pas un lieu de votre structure" in text(r)
    r = st.post(f"/dossiers/{dossier}/modifier", annex(place_other="nexiste-pas", version=str(version(dossier))))
    assert r.status_code == 422 and 'href="#place_id"' in r.text


def test_new_dossier_steps(base, people):
    st = people["employer"]
    r = st.get("/dossiers/nouveau?dispositif=999999")
    assert r.status_code == 422 and 'href="#dispositif"' in r.text
    r = st.post("/dossiers/nouveau", {"programme_id": "abc", **annex()})
    assert r.status_code == 422 and "« Dispositif »" in text(r)
    # A draft is saved as it is: nearly empty.
    r = st.post("/dossiers/nouveau", {"programme_id": str(eav()), "formulaire_complet": "1", "contact_name": "X"})
    assert r.status_code == 303
    # But a malformed value is refused, named.
    r = st.post("/dossiers/nouveau", {"programme_id": str(eav()), "contact_email": "pas-une-adresse"})
    assert r.status_code == 422 and 'href="#contact_email"' in r.text


# ---------------------------------------------------------------------------------------------
# Lists, filters, pager, exports


def test_filters_and_exports(base, people):
    st, nat, rg = people["employer"], people["national"], people["regional"]
    submitted = new_draft(st, job_profile_id=str(profile("regisseur-multimedia")))
    assert act(st, submitted, "submit").status_code == 303
    draft = new_draft(st)

    mine = text(st.get("/dossiers"))
    assert f'href="/dossiers/{submitted}"' in mine and f'href="/dossiers/{draft}"' in mine
    only_drafts = text(st.get("/dossiers?etat=draft"))
    assert f'href="/dossiers/{draft}"' in only_drafts and f'href="/dossiers/{submitted}"' not in only_drafts
    by_profile = text(st.get(f"/dossiers?metier={profile('regisseur-multimedia')}&dispositif={eav()}"))
    assert f'href="/dossiers/{submitted}"' in by_profile and f'href="/dossiers/{draft}"' not in by_profile
    assert f'<option value="{profile("regisseur-multimedia")}" selected>' in by_profile
    assert f'href="/dossiers/{submitted}"' not in text(st.get(f"/dossiers?dispositif={cnfs()}"))

    queue = text(nat.get("/dossiers?region=84&etat=regional_review"))
    assert f'href="/dossiers/{submitted}"' in queue and f'href="/dossiers/{draft}"' not in queue
    assert f'href="/dossiers/{submitted}"' not in text(nat.get("/dossiers?region=11"))
    assert 'href="/dossiers.csv?region=84&etat=regional_review"' in queue
    assert 'href="/dossiers.xlsx?region=84&etat=regional_review"' in queue
    # The regional queue: oldest waiting first, with its days.
    rows = re.findall(r'href="/dossiers/(\d+)">', rg.get("/dossiers?etat=regional_review").text)
    since = [sql_int(f"SELECT state_since FROM dossiers WHERE id = {i}") for i in rows]
    assert since == sorted(since)

    r = nat.get("/dossiers.csv?region=84&etat=regional_review")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"] == 'attachment; filename="dossiers.csv"'
    assert r.content.startswith(b"\xef\xbb\xbf")  # for French spreadsheets: a BOM and semicolons
    body = r.content.decode("utf-8-sig")
    assert body.split("\r\n")[0].startswith("N°;Dispositif;Structure;")
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert rows[0] == ["N°", "Dispositif", "Structure", "EPN", "Commune", "Région", "Métier", "État",
                       "Jours d'attente", "Postes demandés", "Postes accordés", "Dernière mise à jour"]
    line = next(row for row in rows[1:] if row[0] == str(submitted))
    assert line[1] == "2000 Emplois d'Avenir en EPN" and line[5] == "Auvergne-Rhône-Alpes"
    assert line[6] == "Régisseur multimédia" and line[7] == "En attente de l'avis régional" and line[8] == "0"
    assert all(row[7] == "En attente de l'avis régional" for row in rows[1:])
    # A structure exports its own dossiers, drafts included.
    ids = [row[0] for row in csv.reader(io.StringIO(st.get("/dossiers.csv").content.decode("utf-8-sig")),
                                        delimiter=";")]
    assert str(draft) in ids and str(submitted) in ids

    r = nat.get("/dossiers.xlsx?region=84")
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    assert r.headers["content-disposition"] == 'attachment; filename="dossiers.xlsx"'
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/") and n.endswith(".xml"))
    for expected in ("Dispositif", "Jours d'attente", "Les Ateliers numériques de la vallée de la Drôme",
                     "Régisseur multimédia"):
        assert expected.replace("'", "&apos;") in xml or expected in xml, expected


def test_pager_keeps_the_filters(base, people, api, make_account, login):
    org = api.post(base + "/api/v1/organisations",
                   json={"name": unique("Structure paginée "), "kind": "employer", "commune_code": "26108"})
    pw = "mot de passe de la pagination"
    who = make_account("employer", password=pw, organisation_id=org.json()["id"])
    p = Person(base, login(who["_email"], pw))
    for _ in range(21):
        r = p.post("/dossiers/nouveau", {"programme_id": str(eav()), "contact_name": "Page"})
        assert r.status_code == 303
    page = text(p.get(f"/dossiers?dispositif={eav()}"))
    assert "21 dossiers" in page and page.count('href="/dossiers/') - page.count('href="/dossiers/nouveau"') == 20
    assert f'href="/dossiers?dispositif={eav()}&page=2"' in page
    page = text(p.get(f"/dossiers?dispositif={eav()}&page=2"))
    assert page.count("<tr>") == 1 + 1, "the header row and one dossier"
    assert f'href="/dossiers?dispositif={eav()}&page=1"' in page


# ---------------------------------------------------------------------------------------------
# Programmes and job profiles


def test_programme_forms(base, people):
    nat = people["national"]
    code = unique("PRG-").upper()
    r = nat.post("/programmes/nouveau", {"code": code, "name": "Dispositif d'essai", "target_posts": "10",
                                         "contract_min_months": "24", "contract_max_months": "12",
                                         "weekly_hours": "35"})
    assert r.status_code == 422
    page = text(r)
    assert 'href="#employer_categories"' in page and 'href="#contract_max_months"' in page
    data = {"code": code, "name": "Dispositif d'essai", "target_posts": "1500", "contract_min_months": "12",
            "contract_max_months": "24", "weekly_hours": "35", "employer_categories": ["association", "gip"],
            "requires_tutor": "1", "active": "1", "starts_on": "2026-01-01"}
    r = nat.post("/programmes/nouveau", data)
    page = text(follow(nat, r))
    pid = int(re.fullmatch(r"/programmes/(\d+)", r.headers["location"]).group(1))
    assert "<h1>Dispositif d'essai</h1>" in page and "1\u202f500 postes" in page
    assert "Association ; Groupement d'intérêt public (GIP)" in page and "depuis le 1er janvier 2026" in page or \
        "depuis le 1 janvier 2026" in page

    # The edit form with its version; a stale one is refused with the form again.
    page = nat.get(f"/programmes/{pid}/modifier").text
    v = re.search(r'name="version" value="(\d+)"', page).group(1)
    assert 'value="association" checked' in page and 'value="collectivite">' in page
    r = nat.post(f"/programmes/{pid}/modifier", {**data, "name": "Dispositif renommé", "version": v})
    assert r.status_code == 303
    r = nat.post(f"/programmes/{pid}/modifier", {**data, "name": "Trop tard", "version": v})
    assert r.status_code == 409 and STALE in text(r) and "Trop tard" in text(r)
    assert sql(f"SELECT name FROM programmes WHERE id = {pid}") == "Dispositif renommé"

    # Job profiles: create, edit, remove (unused: deleted).
    r = nat.post(f"/programmes/{pid}/metiers/nouveau", {"code": "Mauvais Code", "title": "Essai"})
    assert r.status_code == 422 and 'href="#code"' in r.text
    r = nat.post(f"/programmes/{pid}/metiers/nouveau",
                 {"code": "mediateur-essai", "title": "Médiateur d'essai", "training_template": "Module 1\nModule 2",
                  "active": "1"})
    assert r.status_code == 303
    jid = sql_int(f"SELECT id FROM job_profiles WHERE programme_id = {pid} AND code = 'mediateur-essai'")
    page = text(nat.get(f"/programmes/{pid}"))
    assert "Médiateur d'essai" in page and "<li>Module 2</li>" in page and f'action="/metiers/{jid}/retirer"' in page
    page = nat.get(f"/metiers/{jid}/modifier").text
    jv = re.search(r'name="version" value="(\d+)"', page).group(1)
    r = nat.post(f"/metiers/{jid}/modifier", {"code": "mediateur-essai", "title": "Médiatrice d'essai",
                                              "active": "1", "version": jv})
    assert r.status_code == 303
    assert sql(f"SELECT title FROM job_profiles WHERE id = {jid}") == "Médiatrice d'essai"
    r = nat.post(f"/metiers/{jid}/retirer", {"version": jv})
    assert r.status_code == 409 and STALE in text(r)
    r = nat.post(f"/metiers/{jid}/retirer", {"version": str(int(jv) + 1)})
    assert "supprimée" in text(follow(nat, r))
    assert sql(f"SELECT COUNT(*) FROM job_profiles WHERE id = {jid}") == "0"
    # Public page, no editing controls for others.
    assert "Modifier le dispositif" not in text(people["regional"].get(f"/programmes/{pid}"))
    assert people["regional"].post(f"/programmes/{pid}/modifier", {**data, "version": "1"}).status_code == 403


def test_used_job_profile_is_deactivated(base, people):
    nat, st = people["national"], people["employer"]
    r = nat.post(f"/programmes/{eav()}/metiers/nouveau", {"code": unique("metier-").lower(), "title": "Métier utilisé",
                                                          "active": "1"})
    assert r.status_code == 303
    jid = int(re.search(r"#metier-(\d+)$", r.headers["location"]).group(1))
    new_draft(st, job_profile_id=str(jid))
    jv = sql(f"SELECT version FROM job_profiles WHERE id = {jid}")
    page = text(follow(nat, nat.post(f"/metiers/{jid}/retirer", {"version": jv})))
    assert "désactivée" in page
    assert sql(f"SELECT active FROM job_profiles WHERE id = {jid}") == "0"
    # No longer offered to new dossiers.
    assert f'<option value="{jid}"' not in st.get(f"/dossiers/nouveau?dispositif={eav()}").text


def test_a_success_message_says_what_was_done(people):
    st = people["employer"]
    dossier = new_draft(st)
    r = st.post(f"/dossiers/{dossier}/modifier", {"version": str(version(dossier)), **annex()})
    page = text(follow(st, r))
    assert f"Le dossier n° {dossier} est enregistré. Il n'est pas encore transmis" in page
    assert "Les modifications ont été enregistrées" not in page
