"""The subsidies' pages (/aides): the schedule line by line with its French explanation, the forms (a payment
request, the bank details) refusing bad input with a French message naming the field and writing nothing, the
officers' approval through the page, and who sees what: another employer gets 404 on the schedule and the bank
details pages."""
import html
import re

import pytest
import requests

from conftest import DEMO_ACCOUNTS, csrf_from, org_id, paris_today, post_login, sql, sql_int
from test_applications import PASSWORD, Recruitment
from test_subsidies import DEMO_ORG, Aid, hours_text

NAV_ROLES = {"employer", "regional", "pole", "national", "admin", "payer", "viewer"}


@pytest.fixture(scope="module")
def rc(base, api, make_account):
    return Recruitment(base, api, make_account)


@pytest.fixture(scope="module")
def aid(base, rc):
    who = {role: rc.who(DEMO_ACCOUNTS[role]) for role in ("employer", "regional", "national", "payer")}
    rules = {x["code"]: x for x in who["employer"].get(base + "/api/v1/aid-rules").json()["items"]}
    return Aid(base, rc, who, rc.offer(rc.dossier(posts=10), posts=10), rules)


def text(r):
    return html.unescape(re.sub(r"<[^>]+>", " ", r.text))


@pytest.mark.parametrize("role", sorted(DEMO_ACCOUNTS))
def test_the_aid_pages_open_for_every_role_and_the_menu_for_theirs(base, sessions, role):
    for path in ("/aides", "/aides/demandes", "/aides/reversements", "/aides/smic"):
        r = sessions[role].get(base + path)
        assert r.status_code == 200, (path, r.text[:300])
        assert 'lang="fr"' in r.text
    home = sessions[role].get(base + "/").text
    assert ('href="/aides"' in home) == (role in NAV_ROLES)
    assert "12,02 €" in text(sessions[role].get(base + "/aides/smic"))


def test_the_schedule_page_explains_each_line(base, sessions, aid):
    d = aid.decision()
    r = sessions["employer"].get(base + f"/aides/{d['id']}")
    assert r.status_code == 200
    t = text(r)
    assert "75 % × SMIC horaire brut 12,02 €" in t and "27/31 jours du mois" in t
    assert "au pair le plus proche" in t and d["schedule"]["lines"][0]["amount"] in t
    assert "Demander le paiement d'un mois" in t
    # The regional officer reads it without the employer's form; another employer does not see it at all.
    assert "Demander le paiement d'un mois" not in text(sessions["regional"].get(base + f"/aides/{d['id']}"))


def test_a_payment_request_through_the_page_then_approved_by_the_region(base, sessions, aid):
    d = aid.decision()
    s = sessions["employer"]
    csrf = csrf_from(s.get(base + f"/aides/{d['id']}").text)
    before = sql_int("SELECT COUNT(*) FROM payment_requests")
    r = s.post(base + f"/aides/{d['id']}/demandes", data={"csrf": csrf, "month": "2026-02", "hours": "-4"},
               allow_redirects=False)
    assert r.status_code == 422 and "ne peuvent pas être négatives" in text(r) and "Heures rémunérées" in text(r)
    assert sql_int("SELECT COUNT(*) FROM payment_requests") == before
    hours = hours_text(aid.month_hours(d, "2026-02")).replace(".", ",")
    r = s.post(base + f"/aides/{d['id']}/demandes", data={"csrf": csrf, "month": "2026-02", "hours": hours},
               allow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    rid = int(r.headers["location"].rsplit("/", 1)[1])
    page = sessions["regional"].get(base + f"/aides/demandes/{rid}")
    assert "Approuver la demande" in text(page)
    version = sql_int(f"SELECT version FROM payment_requests WHERE id = {rid}")
    r = sessions["regional"].post(base + f"/aides/demandes/{rid}/actions/approve",
                                  data={"csrf": csrf_from(page.text), "version": version}, allow_redirects=False)
    assert r.status_code == 303
    assert sql(f"SELECT state FROM payment_requests WHERE id = {rid}") == "approved"
    page = sessions["employer"].get(base + f"/aides/demandes/{rid}")
    assert "/actions/approve" not in page.text  # no form for the employer; the history tells what was done
    assert "Approuver la demande" in text(page) and "Approuvée, à mettre en paiement" in text(page)


def test_the_bank_details_form_checks_the_iban(base, sessions):
    org = org_id(DEMO_ORG)
    s = sessions["employer"]
    page = s.get(base + f"/aides/coordonnees-bancaires/{org}")
    assert page.status_code == 200
    version = re.search(r'name="version" value="(\d+)"', page.text).group(1)
    before = sql(f"SELECT iban, version FROM bank_details WHERE organisation_id = {org}")
    r = s.post(base + f"/aides/coordonnees-bancaires/{org}", data={
        "csrf": csrf_from(page.text), "version": version, "holder": "Les Ateliers",
        "iban": "FR76 3000 6000 0112 3456 7890 188", "bic": "AGRIFRPP"}, allow_redirects=False)
    assert r.status_code == 422 and "IBAN" in text(r) and "clé de contrôle" in text(r)
    assert sql(f"SELECT iban, version FROM bank_details WHERE organisation_id = {org}") == before


def test_another_employer_sees_neither_schedules_nor_bank_details(base, api, make_account, aid):
    d = aid.decision()
    r = api.post(base + "/api/v1/organisations", json={"name": "EPN voisin " + str(d["id"]), "kind": "employer"})
    assert r.status_code == 201, r.text
    other = make_account("employer", organisation_id=r.json()["id"], password=PASSWORD)
    s = requests.Session()
    assert post_login(base, other["_email"], PASSWORD, session=s)[1].status_code == 303
    org = org_id(DEMO_ORG)
    for path in (f"/aides/{d['id']}", f"/aides/coordonnees-bancaires/{org}"):
        r = s.get(base + path)
        assert r.status_code == 404 and 'lang="fr"' in r.text, path
    t = text(s.get(base + "/aides"))
    assert f"Aide n° {d['id']} " not in t and "Aucune décision d'aide ne vous concerne" in t
    assert s.get(base + "/api/v1/aid-decisions?format=csv").content.decode("utf-8-sig").count("\n") == 1


def test_the_api_lists_filter_by_their_query_and_refuse_a_bad_format(base, aid):
    d = aid.decision()
    s = aid.who["regional"]
    mine = s.get(base + f"/api/v1/aid-decisions?organisation_id={d['organisation_id']}&per_page=500").json()
    assert d["id"] in [x["id"] for x in mine["items"]]
    assert all(x["organisation_id"] == d["organisation_id"] for x in mine["items"])
    assert s.get(base + "/api/v1/aid-decisions?organisation_id=999999999").json()["items"] == []
    assert s.get(base + f"/api/v1/payment-requests?decision_id={d['id']}").json()["total"] == 0
    assert s.get(base + "/api/v1/recoveries?state=nope").json()["items"] == []
    csv = s.get(base + f"/api/v1/aid-decisions?format=csv&organisation_id={d['organisation_id']}")
    assert csv.status_code == 200 and str(d["id"]) in csv.content.decode("utf-8-sig")
    for query in ("format=pdf", "organisation_id=abc", "per_page=501"):
        r = s.get(base + "/api/v1/aid-decisions?" + query)
        assert r.status_code == 422, (query, r.text)
        assert [e["field"] for e in r.json()["errors"]] == [query.split("=")[0]], (query, r.text)


def test_the_national_decision_shows_the_regions_envelope(base, sessions, rc, aid):
    """Before deciding a dossier, the national officer reads what the region's envelope of the year still allows;
    nobody else sees that block."""
    d = rc.dossier(posts=2, decide=False)
    year = paris_today().year
    page = text(sessions["national"].get(base + f"/dossiers/{d['id']}"))
    assert f"Enveloppe budgétaire {year} de la région" in page
    r = aid.who["national"].put(base + "/api/v1/budget-envelopes", json={
        "programme_id": d["programme_id"], "year": year, "region_code": d["region_code"],
        "commitments": "250000", "payments": "200000"})
    assert r.status_code == 200, r.text
    page = text(sessions["national"].get(base + f"/dossiers/{d['id']}"))
    assert "250 000,00 € d'autorisations d'engagement" in page.replace("\u202f", " ").replace("\xa0", " ")
    assert "reste à engager" in page
    assert "Enveloppe budgétaire" not in text(sessions["regional"].get(base + f"/dossiers/{d['id']}"))
