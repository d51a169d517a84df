"""Pickers instead of codes (issue 19, item 4): a commune is typed by its name and resolved to its INSEE code, or
chosen among the matches in a plain form step (no JavaScript needed); régions are chosen from a list; telephone
numbers are written as people write them."""
import re

import pytest

from conftest import csrf_from, sql, text, unique

NEW_ORG = "/admin/structures/nouvelle"


def post_org(admin, base, commune, **extra):
    token = csrf_from(admin.get(base + NEW_ORG).text)
    name = unique("Structure des pickers ")
    r = admin.post(base + NEW_ORG, data={"csrf": token, "name": name, "kind": "employer", "commune_code": commune,
                                          **extra}, allow_redirects=False)
    return name, r


def test_the_commune_field_takes_a_name(admin, base):
    page = text(admin.get(base + NEW_ORG))
    field = re.search(r'<input[^>]*id="commune_code"[^>]*>', page).group(0)
    assert 'list="commune_code-communes"' in field and 'autocomplete="address-level2"' in field
    assert '<datalist id="commune_code-communes"></datalist>' in page
    assert "code INSEE" not in page
    for typed in ("Crest", "crest", "Crest (26)", "26108"):
        name, r = post_org(admin, base, typed)
        assert r.status_code == 303, (typed, text(r)[:2000])
        assert sql(f"SELECT commune_code FROM organisations WHERE name = '{name}'") == "26108", typed
    # The organisation's page shows the commune by its name again.
    oid = sql(f"SELECT id FROM organisations WHERE name = '{name}'")
    assert 'value="Crest (26)"' in admin.get(base + f"/admin/structures/{oid}").text


def test_a_name_several_communes_bear_offers_them(admin, base):
    name, r = post_org(admin, base, "Beaulieu")
    assert r.status_code == 422
    page = text(r)
    assert "plusieurs communes correspondent à « Beaulieu »" in page
    choices = re.findall(r'<input type="radio" id="commune_code-choix-\d+" name="commune_code" value="([0-9AB]{5})">',
                         page)
    assert len(choices) == 10 and len(set(choices)) == 10
    assert "Beaulieu (" in page and "code postal" in page
    assert sql(f"SELECT COUNT(*) FROM organisations WHERE name = '{name}'") == "0"
    # The summary names the field once, with the picker's message.
    assert page.count('href="#commune_code"') == 1
    # Choosing one: the radio is sent before the text field, and wins.
    token = csrf_from(r.text)
    r = admin.post(base + NEW_ORG, data=[("csrf", token), ("name", name), ("kind", "employer"),
                                         ("commune_code", choices[3]), ("commune_code", "Beaulieu")],
                   allow_redirects=False)
    assert r.status_code == 303, text(r)[:2000]
    assert sql(f"SELECT commune_code FROM organisations WHERE name = '{name}'") == choices[3]


def test_an_unknown_name_says_so(admin, base):
    name, r = post_org(admin, base, "Zzyzx-sur-Rien")
    assert r.status_code == 422
    assert "aucune commune ne s'appelle « Zzyzx-sur-Rien »" in text(r)


def test_regions_are_ticked_not_typed(admin, base, make_account):
    p = make_account("viewer", name="Rita Régions")
    path = f"/admin/personnes/{p['id']}"
    page = text(admin.get(base + path))
    assert re.search(r'<input type="checkbox" id="regions-\d+" name="regions" value="84">', page)
    assert "Auvergne-Rhône-Alpes" in page and "Codes INSEE" not in page
    token = csrf_from(admin.get(base + path).text)
    r = admin.post(base + path + "/roles", data=[("csrf", token), ("role", "regional"), ("organisation_id", ""),
                                                  ("regions", ""), ("regions", "84"), ("regions", "93")],
                   allow_redirects=False)
    assert r.status_code == 303, text(r)[:2000]
    got = sql("SELECT mr.region_code FROM membership_regions mr JOIN memberships m ON m.id = mr.membership_id "
              f"WHERE m.person_id = {p['id']} ORDER BY mr.region_code").split()
    assert got == ["84", "93"]
    # Nothing ticked: the hidden empty value makes it an error, not a silent keep.
    r = admin.post(base + path + "/roles", data=[("csrf", token), ("role", "regional"), ("organisation_id", ""),
                                                  ("regions", "")], allow_redirects=False)
    assert r.status_code == 422 and "« Régions » est obligatoire pour ce rôle" in text(r)
