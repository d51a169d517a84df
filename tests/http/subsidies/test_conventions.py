"""Conventions (lump sums per post, Conseillers numériques) through the API: posts granted vacant, filled (the
schedule of instalments and bonus from the first holder's start, its sum the rule's total), an instalment requested
and paid, the post given back (the sum justified by the days held, the excess claimed back), a post left vacant past
the refill delay returned by the job, and amendments (employer → regional opinion → national decision, a reason
asked to go past the region's envelope)."""
import pytest

from conftest import DEMO_ACCOUNTS, org_id, paris_today, run_cli, sql, sql_int
from test_applications import Recruitment, assert_problem
from test_subsidies import DEMO_ORG


@pytest.fixture(scope="module")
def rc(base, api, make_account):
    return Recruitment(base, api, make_account)


@pytest.fixture(scope="module")
def who(rc):
    return {role: rc.who(DEMO_ACCOUNTS[role]) for role in ("employer", "regional", "national", "payer")}


@pytest.fixture(scope="module")
def cnfs(base, who):
    items = who["employer"].get(base + "/api/v1/programmes").json()["items"]
    pid = next(x["id"] for x in items if x["code"] == "CNFS-2020")
    r = who["national"].post(base + f"/api/v1/organisations/{org_id('Agence de services et de paiement')}"
                             "/paid-programmes", json={"programme_id": pid})
    assert r.status_code == 200, r.text
    rules = {x["code"]: x for x in who["employer"].get(base + "/api/v1/aid-rules").json()["items"]}
    return pid, rules


def convention(base, who, rules, posts=2, rule="cnfs_w2_public", bonus=500000, signed_on="2025-01-01"):
    body = {"organisation_id": org_id(DEMO_ORG), "rule_id": rules[rule]["id"], "posts_granted": posts,
            "signed_on": signed_on}
    if bonus:
        body["bonus_id"] = next(b["id"] for b in rules[rule]["bonuses"] if b["amount_cents"] == bonus)
    r = who["national"].post(base + "/api/v1/conventions", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def act(base, session, post, action, **payload):
    return session.post(base + f"/api/v1/posts/{post['id']}/actions/{action}",
                        json={"version": post["version"], **payload})


def test_bad_conventions_are_refused(base, who, cnfs):
    _, rules = cnfs
    before = sql_int("SELECT COUNT(*) FROM conventions")
    body = {"organisation_id": org_id(DEMO_ORG), "rule_id": rules["eav_non_market"]["id"], "posts_granted": 1,
            "signed_on": "2025-01-01"}
    assert_problem(who["national"].post(base + "/api/v1/conventions", json=body), 422, "rule_id")
    body["rule_id"] = rules["cnfs_w2_public"]["id"]
    assert_problem(who["national"].post(base + "/api/v1/conventions", json={**body, "posts_granted": 0}), 422,
                   "posts_granted")
    assert_problem(who["national"].post(base + "/api/v1/conventions", json={
        **body, "bonus_id": rules["cnfs_w2_public"]["bonuses"][0]["id"] + 1000}), 422, "bonus_id")
    assert who["employer"].post(base + "/api/v1/conventions", json=body).status_code == 403
    assert sql_int("SELECT COUNT(*) FROM conventions") == before


def test_a_post_filled_paid_then_given_back(base, who, cnfs):
    pid, rules = cnfs
    c = convention(base, who, rules)
    assert [p["state"] for p in c["posts"]] == ["vacant", "vacant"] and c["reference"].startswith("CV-")
    post = c["posts"][0]
    assert_problem(act(base, who["employer"], post, "fill", holder_name="Inès", started_on="2024-12-01"), 422,
                   "started_on")  # before the signature
    r = act(base, who["employer"], post, "fill", holder_name="Inès Conseillère", started_on="2025-01-15")
    assert r.status_code == 200, r.text
    post = r.json()["posts"][0]
    assert post["state"] == "occupied"
    assert [x["amount_cents"] for x in post["lines"]] == [1750000, 1250000, 1250000, 500000]
    assert post["total_cents"] == 4750000  # 42 500 € + the 5 000 € bonus, to the cent
    assert [x["period_from"] for x in post["lines"][:3]] == ["2025-01-15", "2026-01-15", "2027-01-15"]
    # The first instalment, due on the start, is requested, approved, ordered and paid.
    r = who["employer"].post(base + f"/api/v1/posts/{post['id']}/payment-requests", json={"month": "2025-01"})
    assert r.status_code == 201, r.text
    req = r.json()
    assert req["amount_cents"] == 1750000
    assert_problem(who["employer"].post(base + f"/api/v1/posts/{post['id']}/payment-requests",
                                        json={"month": "2027-01"}), 422, "month")  # not due yet
    r = who["payer"].post(base + f"/api/v1/payment-requests/{req['id']}/actions/approve",
                          json={"version": req["version"]})
    assert r.status_code == 200, r.text
    r = who["payer"].post(base + "/api/v1/payment-orders", json={"programme_id": pid})
    assert r.status_code == 201, r.text
    order = r.json()
    r = who["payer"].post(base + f"/api/v1/payment-orders/{order['id']}/paid",
                          json={"version": order["version"], "paid_on": "2025-02-10", "paid_reference": "CDC-1"})
    assert r.status_code == 200, r.text
    # Given back on 15 July 2025: 181 days held of 1 095, so 42 500 € × 181/1095 are justified; the first
    # instalment stays as paid and the excess is claimed back.
    post = next(p for p in who["employer"].get(base + f"/api/v1/conventions/{c['id']}").json()["posts"]
                if p["id"] == post["id"])
    r = act(base, who["employer"], post, "give_back", returned_on="2025-07-15")
    assert r.status_code == 200, r.text
    post = r.json()["posts"][0]
    assert post["state"] == "returned" and post["total_cents"] == 702511
    assert any(x["amount_cents"] == 1750000 and x["paid"] == 1 for x in post["lines"])
    rec = who["employer"].get(base + "/api/v1/recoveries", params={"per_page": 500}).json()["items"]
    assert any(x["subject"] == "post" and x["subject_id"] == post["id"] and x["amount_cents"] == 1750000 - 702511
               for x in rec)
    assert_problem(act(base, who["employer"], post, "fill", holder_name="X", started_on="2025-08-01"), 409)


def test_a_post_left_vacant_past_the_delay_is_returned_by_the_job(base, who, cnfs, config_path):
    _, rules = cnfs
    c = convention(base, who, rules, posts=1, bonus=0)
    post = c["posts"][0]
    post = act(base, who["employer"], post, "fill", holder_name="Léo", started_on="2026-01-05").json()["posts"][0]
    post = act(base, who["employer"], post, "vacate", vacant_since="2026-02-01").json()["posts"][0]
    assert post["state"] == "vacant"
    # The delay of 2025 (6 months) is data: not yet on 31 July, returned on 1 August.
    assert run_cli("jobs", "run", "--now", "2026-07-31", config=config_path).returncode == 0
    assert sql(f"SELECT state FROM convention_posts WHERE id = {post['id']}") == "vacant"
    assert run_cli("jobs", "run", "--now", "2026-08-01", config=config_path).returncode == 0
    assert sql(f"SELECT state, returned_on FROM convention_posts WHERE id = {post['id']}") == "returned|2026-08-01"


def test_amendments_add_and_return_posts(base, who, cnfs, rc):
    pid, rules = cnfs
    c = convention(base, who, rules, posts=1, bonus=0, signed_on="2026-01-01")
    url = base + f"/api/v1/conventions/{c['id']}/amendments"
    assert_problem(who["employer"].post(url, json={"posts_delta": 0, "motive": "Rien"}), 422, "posts_delta")
    assert who["regional"].post(url, json={"posts_delta": 2, "motive": "Deux conseillers"}).status_code == 403
    r = who["employer"].post(url, json={"posts_delta": 2, "motive": "Deux conseillers de plus pour le territoire."})
    assert r.status_code == 201, r.text
    a = r.json()
    assert a["state"] == "requested"
    assert_problem(who["national"].post(base + f"/api/v1/amendments/{a['id']}/actions/grant",
                                        json={"version": a["version"]}), 409)  # the regional opinion first
    r = who["regional"].post(base + f"/api/v1/amendments/{a['id']}/actions/give_opinion",
                             json={"version": a["version"], "opinion": "favourable"})
    assert r.status_code == 200, r.text
    a = r.json()
    # The region's envelope is nearly spent: granting past it asks for a reason.
    year = paris_today().year
    r = who["national"].put(base + "/api/v1/budget-envelopes", json={
        "programme_id": pid, "year": year, "region_code": c["region_code"], "commitments": "1000", "payments": "1000"})
    assert r.status_code == 200, r.text
    p = assert_problem(who["national"].post(base + f"/api/v1/amendments/{a['id']}/actions/grant",
                                            json={"version": a["version"]}), 422, "decision_reason")
    assert "enveloppe" in p["errors"][0]["message"]
    r = who["national"].post(base + f"/api/v1/amendments/{a['id']}/actions/grant",
                             json={"version": a["version"], "decision_reason": "Priorité territoriale."})
    assert r.status_code == 200, r.text
    got = who["employer"].get(base + f"/api/v1/conventions/{c['id']}").json()
    assert got["posts_granted"] == 3 and [p["state"] for p in got["posts"]] == ["vacant"] * 3
    # Returning one post: a vacant one goes.
    a = who["employer"].post(url, json={"posts_delta": -1, "motive": "Un poste ne sera pas pourvu."}).json()
    a = who["regional"].post(base + f"/api/v1/amendments/{a['id']}/actions/give_opinion",
                             json={"version": a["version"], "opinion": "favourable"}).json()
    assert_problem(who["national"].post(base + f"/api/v1/amendments/{a['id']}/actions/refuse",
                                        json={"version": a["version"]}), 422, "decision_reason")
    r = who["national"].post(base + f"/api/v1/amendments/{a['id']}/actions/grant", json={"version": a["version"]})
    assert r.status_code == 200, r.text
    got = who["employer"].get(base + f"/api/v1/conventions/{c['id']}").json()
    assert got["posts_granted"] == 2 and sorted(p["state"] for p in got["posts"]) == ["returned", "vacant", "vacant"]


def page_text(r):
    import html
    import re
    return html.unescape(re.sub(r"<[^>]+>", " ", r.text))


def test_the_convention_pages_fill_a_post_and_ask_an_amendment(base, sessions, who, cnfs):
    """/aides/conventions lists the conventions in the reader's scope; a convention's page shows its posts and
    amendments; a post is filled through its page (a bad date refused naming the field, nothing written); the
    employer asks an amendment through the convention's page and the regional officer sees what to do next."""
    from conftest import csrf_from
    _, rules = cnfs
    c = convention(base, who, rules, posts=1, bonus=0)
    s = sessions["employer"]
    assert c["reference"] in page_text(s.get(base + "/aides/conventions"))
    r = s.get(base + f"/aides/conventions/{c['id']}")
    assert r.status_code == 200 and "Poste n° 1" in page_text(r) and "Demander un avenant" in page_text(r)
    post = c["posts"][0]
    r = s.get(base + f"/aides/postes/{post['id']}")
    assert r.status_code == 200 and "Recruter sur le poste" in page_text(r)
    before = sql(f"SELECT state, version FROM convention_posts WHERE id = {post['id']}")
    bad = s.post(base + f"/aides/postes/{post['id']}/actions/fill",
                 data={"csrf": csrf_from(r.text), "version": post["version"], "fill-holder_name": "Inès",
                       "fill-started_on": "pas une date"}, allow_redirects=False)
    assert bad.status_code == 422 and "Erreur" in page_text(bad)
    assert sql(f"SELECT state, version FROM convention_posts WHERE id = {post['id']}") == before
    # The form's own field names, whatever their prefix: read them from the page.
    import re
    names = re.findall(r'name="([^"]*(?:holder_name|started_on))"', r.text)
    assert len(names) == 2, names
    data = {"csrf": csrf_from(r.text), "version": post["version"]}
    data.update({n: ("Inès Conseillère" if n.endswith("holder_name") else "2025-01-15") for n in names})
    ok = s.post(base + f"/aides/postes/{post['id']}/actions/fill", data=data, allow_redirects=False)
    assert ok.status_code == 303, page_text(ok)[:800]
    assert sql(f"SELECT state FROM convention_posts WHERE id = {post['id']}") == "occupied"
    # An amendment through the convention's page: zero posts is refused by name, then two more asked.
    page = s.get(base + f"/aides/conventions/{c['id']}")
    n = sql_int("SELECT COUNT(*) FROM amendments")
    bad = s.post(base + f"/aides/conventions/{c['id']}/avenants",
                 data={"csrf": csrf_from(page.text), "posts_delta": "0", "motive": "Rien"}, allow_redirects=False)
    assert bad.status_code == 422 and "posts_delta" in bad.text
    assert sql_int("SELECT COUNT(*) FROM amendments") == n
    r = s.post(base + f"/aides/conventions/{c['id']}/avenants",
               data={"csrf": csrf_from(page.text), "posts_delta": "2", "motive": "Deux conseillers de plus."},
               allow_redirects=False)
    assert r.status_code == 303, page_text(r)[:800]
    aid_ = int(r.headers["location"].rsplit("/", 1)[1])
    assert "Donner l'avis régional" in page_text(sessions["regional"].get(base + f"/aides/avenants/{aid_}"))
    assert "Donner l'avis régional" not in page_text(s.get(base + f"/aides/avenants/{aid_}"))
