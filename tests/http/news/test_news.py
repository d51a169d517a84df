"""The network's news: the list and its filters, an item's page (the Markdown subset rendered, everything else
escaped), the Atom feed of each filter (parsed and checked), publishing through the form and the API (who may,
field errors), and the weekly digest: opt-in, the job, the unsubscribe link that works without signing in."""
import datetime
import re
import xml.etree.ElementTree as ET

import pytest
import requests

from conftest import DEMO_ACCOUNTS, csrf_from, run_cli, sql, sql_int, unique

ATOM = "{http://www.w3.org/2005/Atom}"


def titles(html):
    return re.findall(r'<h3 class="fr-h5 fr-mb-1w"><a href="/actualites/\d+">([^<]*)</a>', html)


def test_list_and_filters(base):
    r = requests.get(base + "/actualites")
    assert r.status_code == 200
    all_titles = titles(r.text)
    assert "Retour sur les rencontres nationales des EPN" in all_titles
    assert len(all_titles) >= 3
    tutorat = titles(requests.get(base + "/actualites", params={"mot_cle": "tutorat"}).text)
    assert "Retour sur les rencontres nationales des EPN" in tutorat
    assert not any(t.startswith("Appel à projets 2027") for t in tutorat)
    # A region: the items aimed at it and those aimed at everyone; not those aimed at another region only.
    idf = titles(requests.get(base + "/actualites", params={"region": "11"}).text)
    assert not any(t.startswith("Formation des tuteurs en Auvergne") for t in idf)
    assert "Retour sur les rencontres nationales des EPN" in idf
    ara = titles(requests.get(base + "/actualites", params={"region": "84"}).text)
    assert any(t.startswith("Formation des tuteurs en Auvergne") for t in ara)
    cnfs = titles(requests.get(base + "/actualites", params={"programme": "CNFS-2020"}).text)
    assert not any(t.startswith("Appel à projets 2027") for t in cnfs)
    api = requests.get(base + "/api/v1/news", params={"tag": "tutorat"}).json()
    assert api["total"] >= 2 and all("tutorat" in it["tags"] for it in api["items"])


def test_item_page_renders_the_subset(base):
    item_id = sql_int("SELECT MIN(id) FROM news_items WHERE title LIKE 'Appel à projets 2027%'")
    r = requests.get(base + f"/actualites/{item_id}")
    assert r.status_code == 200
    assert "<strong>toutes les structures</strong>" in r.text
    assert "<em>uniquement</em>" in r.text
    assert '<a href="https://www.netpublic.fr/">' in r.text
    assert "<ul>\n<li>les dossiers" in r.text
    assert requests.get(base + "/actualites/999999").status_code == 404
    item = requests.get(base + f"/api/v1/news/{item_id}").json()
    assert item["body_html"].startswith("<p>L&#39;appel") and "appel à projets" in item["tags"]


def check_feed(text, base):
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == ATOM + "feed"
    for name in ("id", "title", "updated"):
        assert root.find(ATOM + name) is not None and root.find(ATOM + name).text, name
    datetime.datetime.strptime(root.find(ATOM + "updated").text, "%Y-%m-%dT%H:%M:%SZ")
    assert root.find(ATOM + "link[@rel='self']") is not None
    entries = root.findall(ATOM + "entry")
    ids = set()
    for e in entries:
        for name in ("id", "title", "updated", "summary"):
            assert e.find(ATOM + name) is not None and e.find(ATOM + name).text, name
        assert e.find(ATOM + "id").text.startswith("tag:")
        ids.add(e.find(ATOM + "id").text)
        datetime.datetime.strptime(e.find(ATOM + "updated").text, "%Y-%m-%dT%H:%M:%SZ")
        assert e.find(ATOM + "link[@rel='alternate']").get("href").startswith(base + "/actualites/")
        assert e.find(ATOM + "author/" + ATOM + "name").text
    assert len(ids) == len(entries)  # ids are unique
    return entries


def test_atom_feeds(base):
    r = requests.get(base + "/actualites.atom")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/atom+xml")
    entries = check_feed(r.text, base)
    assert len(entries) >= 3
    r = requests.get(base + "/actualites.atom", params={"mot_cle": "tutorat"})
    tutorat = check_feed(r.text, base)
    assert 2 <= len(tutorat) < len(entries)
    assert all(any(c.get("term") == "tutorat" for c in e.findall(ATOM + "category")) for e in tutorat)
    self_link = ET.fromstring(r.content).find(ATOM + "link[@rel='self']").get("href")
    assert "mot_cle=tutorat" in self_link
    # The list page links to the feed of its filters.
    page = requests.get(base + "/actualites", params={"region": "84"}).text
    assert 'href="/actualites.atom?region=84"' in page


def test_publish_through_the_form(base, sessions):
    s = sessions["national"]
    form = s.get(base + "/actualites/nouvelle")
    assert form.status_code == 200
    csrf = csrf_from(form.text)
    r = s.post(base + "/actualites/nouvelle", data={"csrf": csrf, "title": "", "summary": "Résumé",
                                                    "body": "Texte", "regions": "84, 99"})
    assert r.status_code == 422
    assert "« Titre » est obligatoire." in r.text and "« Régions » : « 99 » n&#39;existe pas." in r.text
    title = unique("Veille ")
    body = "Un *texte* avec <script>alert(1)</script> et [un lien](javascript:alert(1)).\n\n- un\n- deux"
    r = s.post(base + "/actualites/nouvelle", data={"csrf": csrf, "title": title, "summary": "Résumé court.",
                                                    "body": body, "tags": "outils, veille", "regions": "84",
                                                    "programmes": "EAV-EPN-2013"}, allow_redirects=False)
    assert r.status_code == 303, r.text[:800]
    page = s.get(base + r.headers["location"]).text
    assert "<em>texte</em>" in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page and 'href="javascript' not in page
    assert title in titles(requests.get(base + "/actualites", params={"mot_cle": "veille"}).text)


def test_who_publishes(base, sessions):
    for role in ("candidate", "employer"):
        assert sessions[role].get(base + "/actualites/nouvelle").status_code == 403
    r = sessions["pole"].get(base + "/actualites/nouvelle")
    csrf = csrf_from(r.text)
    title = unique("Pôle ")
    r = sessions["pole"].post(base + "/actualites/nouvelle", data={"csrf": csrf, "title": title, "summary": "S.",
                                                                   "body": "B."}, allow_redirects=False)
    assert r.status_code == 303
    assert "par Pôle de ressources Centre-Est." in requests.get(base + r.headers["location"]).text
    anon = requests.post(base + "/api/v1/news", json={"title": "x", "summary": "y", "body": "z"})
    assert anon.status_code == 401


def test_digest_opt_in_job_and_unsubscribe_link(base, sessions, wait_mail, config_path):
    s = sessions["candidate"]
    page = s.get(base + "/actualites")
    assert "Recevoir chaque semaine" in page.text
    r = s.post(base + "/actualites/lettre", data={"csrf": csrf_from(page.text), "abonner": "1"},
               allow_redirects=False)
    assert r.status_code == 303
    assert "Ne plus recevoir la lettre" in s.get(base + "/actualites").text
    r = run_cli("jobs", "run", config=config_path)  # now: the items published so far are this week's
    assert r.returncode == 0, r.stderr
    msg = wait_mail(DEMO_ACCOUNTS["candidate"], "Les actualités du réseau de la semaine")
    assert "Retour sur les rencontres nationales des EPN" in msg
    link = re.search(r"(/actualites/desabonnement/[A-Za-z0-9_-]+)", msg).group(1)
    # The link works without signing in: a page with a button, then the unsubscription.
    anon = requests.Session()
    form = anon.get(base + link)
    assert form.status_code == 200 and "Me désabonner" in form.text
    done = anon.post(base + link, data={"csrf": csrf_from(form.text)})
    assert done.status_code == 200 and "Désabonnement enregistré" in done.text
    assert sql_int(f"SELECT COUNT(*) FROM news_digest WHERE person_id = "
                   f"(SELECT id FROM people WHERE email = '{DEMO_ACCOUNTS['candidate']}')") == 0
    assert anon.get(base + link).status_code == 404
    assert "Recevoir chaque semaine" in s.get(base + "/actualites").text
