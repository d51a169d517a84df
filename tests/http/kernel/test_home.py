"""The home of each role lists what waits for the person (counted through the scope tables, linked to the list
that shows it), the navigation is grouped in menus, and the notifications the platform sent are listed in the
site with their count in the header."""
import re

import pytest
import requests

from conftest import DEMO_ACCOUNTS, csrf_from, post_login
from test_applications import PASSWORD, Recruitment


@pytest.fixture(scope="module")
def story(base, api, make_account):
    """An open offer of the demo structure, and a candidate it proposed a contact to."""
    rc = Recruitment(base, api, make_account)
    offer = rc.offer(rc.dossier(posts=2), posts=2)
    cand = rc.candidate()
    rc.propose(DEMO_ACCOUNTS["employer"], offer, cand)
    s, r = post_login(base, cand["email"], PASSWORD)
    assert r.status_code == 303
    return {"offer": offer, "cand": cand, "web": s}


def waiting_items(html):
    """The « À faire » section's entries: [(href, text)]."""
    m = re.search(r'aria-labelledby="titre-a-faire">(.*?)</section>', html, re.S)
    assert m, "no « À faire » section"
    return [(href, re.sub(r"\s+", " ", text).strip())
            for href, text in re.findall(r'<a class="fr-link[^"]*" href="([^"]+)">([^<]+)</a>', m.group(1))]


def nav(html):
    m = re.search(r'<nav id="navigation-principale".*?</nav>', html, re.S)
    assert m
    return m.group(0)


def test_the_regional_officer_is_told_of_the_dossier_waiting_for_their_opinion(base, sessions):
    home = sessions["regional"].get(base + "/")
    assert home.status_code == 200
    items = waiting_items(home.text)
    # The demo's dossier at least (other suites may have added some in region 84).
    assert any(href == "/dossiers?etat=regional_review" and
               re.fullmatch(r"1 dossier attend|\d+ dossiers attendent", text.split(" votre")[0])
               for href, text in items), items
    for href, _ in items:
        r = sessions["regional"].get(base + href.replace("&amp;", "&"))
        assert r.status_code == 200, (href, r.status_code)
    listed = sessions["regional"].get(base + "/dossiers?etat=regional_review")
    assert listed.text.count('href="/dossiers/') >= 1


def test_the_count_follows_the_scope(base, make_account):
    """An officer of another region (Mayotte, where no suite files a dossier) has none of region 84 waiting."""
    other = make_account("regional", password=PASSWORD, regions="06")
    s, r = post_login(base, other["_email"], PASSWORD)
    assert r.status_code == 303
    home = s.get(base + "/")
    assert "avis régional" not in home.text
    assert "Rien n’attend votre action pour le moment." in home.text


def test_each_role_has_its_items_and_the_sponsor_too(base, sessions):
    assert ("/contrats", "Vous parrainez 1 jeune en contrat.") in waiting_items(sessions["sponsor"].get(base + "/").text)
    assert waiting_items(sessions["pole"].get(base + "/").text), "the pole has dossiers of its regions in review"


def test_navigation_is_grouped_in_menus_and_fits(base, sessions):
    """Six entries at most in the bar, whatever the role; the steering member has their own."""
    for role in ("admin", "national", "employer", "candidate", "viewer", "pole"):
        html = nav(sessions[role].get(base + "/").text)
        top = re.findall(r'<li class="fr-nav__item">', html)
        assert 2 <= len(top) <= 6, (role, len(top))
        assert 'class="fr-collapse fr-menu"' in html
    viewer = nav(sessions["viewer"].get(base + "/").text)
    assert 'href="/pilotage"' in viewer and 'href="/pilotage/bilans"' in viewer
    anonymous = nav(requests.get(base + "/").text)
    assert 'href="/pilotage"' not in anonymous
    # The trainer reaches no tutor list, the regional officer no tutor list either (the domain refuses them).
    assert 'href="/tuteurs"' not in nav(sessions["regional"].get(base + "/").text)
    # The recruit's suggested offers are linked (they were an orphan page).
    assert 'href="/candidat/offres-suggerees"' in nav(sessions["candidate"].get(base + "/").text)


def test_no_apply_button_for_other_roles(base, sessions, story):
    path = f"/offres/{story['offer']}"
    assert "Candidater à cette offre" in requests.get(base + path).text
    assert "Candidater à cette offre" in sessions["candidate"].get(base + path).text
    for role in ("employer", "prescriber", "trainer", "regional"):
        assert "Candidater à cette offre" not in sessions[role].get(base + path).text, role


def test_the_candidate_is_told_of_the_proposal(base, story):
    s = story["web"]
    assert ("/candidatures?etat=proposed",
            "1 structure vous propose une mise en relation : acceptez-la ou déclinez-la.") in waiting_items(s.get(base + "/").text)
    assert "Une structure vous propose un poste" in s.get(base + "/notifications").text
    assert re.search(r'Notifications \(1<span class="fr-sr-only"> non lue</span>\)', s.get(base + "/").text)


def test_no_second_proposal_to_a_person_in_relation(base, sessions, story):
    """The suggested candidates say who is already in relation instead of a button ending on a conflict."""
    page = sessions["employer"].get(base + f"/offres/{story['offer']}/candidats").text
    row = re.search(r"<tr>(?:(?!</tr>).)*" + re.escape(story["cand"]["name"]) + r".*?</tr>", page, re.S)
    assert row, "the candidate is suggested"
    assert "Déjà en relation : " in row.group(0)
    assert "/proposer" not in row.group(0)


def test_notifications_listed_counted_and_marked_read(base, sessions, login):
    s = sessions["employer"]
    page = s.get(base + "/notifications")
    assert page.status_code == 200
    assert "Nouvelle candidature" in page.text  # the demo candidate applied to the structure's offer
    links = re.findall(r'<li class="fr-mb-3w">.*?<a href="(/[^"]+)"', page.text, re.S)
    assert links
    for href in links:
        assert s.get(base + href).status_code == 200, href
    home = s.get(base + "/").text
    m = re.search(r'href="/notifications">Notifications \((\d+)<span class="fr-sr-only"> non lues?</span>\)', home)
    assert m and int(m.group(1)) >= 1
    r = s.post(base + "/notifications/lues", data={"csrf": csrf_from(page.text)}, allow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/notifications"
    after = s.get(base + "/notifications").text
    assert "Non lue" not in after and "Tout marquer comme lu" not in after
    assert 'href="/notifications">Notifications</a>' in s.get(base + "/").text
    # Another person's notifications are not theirs to read or mark.
    other = sessions["candidate"].get(base + "/notifications").text
    assert "Nouvelle candidature" not in other


def test_notifications_need_a_session(base):
    r = requests.get(base + "/notifications", allow_redirects=False)
    assert r.status_code in (302, 303) and "/connexion" in r.headers["location"]
