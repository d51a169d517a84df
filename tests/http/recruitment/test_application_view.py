"""The structure's view of an application: the candidate's profile and CV as their consent allows, their
eligibility for the offer's programme, and what a contract still lacks — before the structure tries to accept."""
import re

import pytest

from conftest import DEMO_ACCOUNTS, csrf_from, post_login
from test_applications import PASSWORD, Recruitment

CV = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
      b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")


def section(html, anchor):
    m = re.search(r'<h2 id="' + anchor + r'".*?(?=<h2 |<form|$)', html, re.S)
    return m.group(0) if m else ""


@pytest.fixture(scope="module")
def view(base, api, make_account, sessions):
    rc = Recruitment(base, api, make_account)
    offer = rc.offer(rc.dossier(posts=3), posts=3)
    return {"rc": rc, "offer": offer, "employer": sessions["employer"]}


def test_profile_cv_and_missing_eligibility(base, view):
    rc = view["rc"]
    cand = rc.candidate(eligible=False)
    s, r = post_login(base, cand["email"], PASSWORD)
    assert r.status_code == 303
    r = s.post(base + "/candidat/cv", data={"csrf": csrf_from(s.get(base + "/candidat").text)},
               files={"cv": ("cv.pdf", CV, "application/pdf")}, allow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    app = rc.apply(cand, view["offer"])
    page = view["employer"].get(base + f"/candidatures/{app['id']}").text
    profile = section(page, "profil")
    assert "Commune de résidence" in profile and "Niveau de qualification" in profile
    assert f'href="/candidatures/{app["id"]}/cv"' in page
    cv = view["employer"].get(base + f"/candidatures/{app['id']}/cv")
    assert cv.status_code == 200 and cv.content == CV
    before = section(page, "avant-contrat")
    assert "Pas de diagnostic d&#39;éligibilité valide" in before or "Pas de diagnostic d'éligibilité valide" in before
    assert "Un diagnostic d" in before and "prescripteur" in before
    # Once a prescriber diagnosed the candidate eligible, nothing is missing.
    rc.diagnose(cand["id"])
    after = section(view["employer"].get(base + f"/candidatures/{app['id']}").text, "avant-contrat")
    assert "Éligible au dispositif" in after
    assert "Rien ne manque" in after
    assert cv.headers["content-type"].startswith("application/pdf")
    # Another structure reads neither the application nor the CV.
    _, other = rc.structure()
    assert rc.who(other).get(base + f"/candidatures/{app['id']}/cv").status_code == 404


def test_a_proposal_not_accepted_shows_no_profile(base, view):
    rc = view["rc"]
    cand = rc.candidate()
    app = rc.propose(DEMO_ACCOUNTS["employer"], view["offer"], cand)
    page = view["employer"].get(base + f"/candidatures/{app['id']}").text
    assert "Commune de résidence" not in page
    assert "quand il aura accepté la mise en relation" in page
    assert "L&#39;accord du candidat" in page or "L'accord du candidat" in page
    assert view["employer"].get(base + f"/candidatures/{app['id']}/cv").status_code == 404


def test_the_cv_is_not_for_other_structures_or_the_sponsor(base, view, sessions):
    demo_app = sessions["admin"].get(base + "/api/v1/applications").json()["items"]
    assert demo_app
    app_id = min(a["id"] for a in demo_app)
    assert sessions["sponsor"].get(base + f"/candidatures/{app_id}/cv").status_code == 404
    assert sessions["trainer"].get(base + f"/candidatures/{app_id}/cv").status_code == 404
