"""Subsidies (issue 12) through the API: the SMIC table and the aid rules as data, an aid decision and its schedule
(each line explained, the total the exact sum), bad input refused with a French message naming the field and
nothing written, payment requests approved by two officers at once (one wins, the other 409, one payment), bank
details (IBAN checked, journaled, emailed), payment orders and their CSV/XLSX for the paying agency, a
recomputation after a payment (paid lines untouched, the adjustment exact, a recovery), a SMIC change in the
middle of a month, an early end (exempt or not), budget envelopes, and who sees what: an employer never sees
another's schedules, requests or bank details (API and exports).

Contracts are made through the recruitment APIs (test_applications.Recruitment), starting on 5 January 2026 so
that their first months are over (the server's clock is the real one)."""
import csv
import io
import threading
import zipfile

import pytest
import requests

from conftest import DEMO_ACCOUNTS, journal_verify, org_id, person_id, sql, sql_int, unique
from test_applications import Recruitment, assert_problem, field_message

START, END = "2026-01-05", "2027-01-04"
GOOD_IBAN = "FR76 3000 6000 0112 3456 7890 189"
BAD_IBAN = "FR76 3000 6000 0112 3456 7890 188"
DEMO_ORG = "Les Ateliers numériques de la vallée de la Drôme"


@pytest.fixture(scope="module")
def rc(base, api, make_account):
    return Recruitment(base, api, make_account)


@pytest.fixture(scope="module")
def who(rc):
    return {role: rc.who(DEMO_ACCOUNTS[role]) for role in ("employer", "regional", "national", "payer", "pole",
                                                           "viewer", "admin", "candidate")}


@pytest.fixture(scope="module")
def offer(rc):
    return rc.offer(rc.dossier(posts=30), posts=30)


@pytest.fixture(scope="module")
def rules(base, who):
    r = who["employer"].get(base + "/api/v1/aid-rules")
    assert r.status_code == 200, r.text
    return {x["code"]: x for x in r.json()["items"]}


@pytest.fixture(scope="module")
def payer_setup(base, who, rc):
    """The demo's paying agency pays the 2013 programme."""
    r = who["national"].post(base + f"/api/v1/organisations/{org_id('Agence de services et de paiement')}"
                             "/paid-programmes", json={"programme_id": rc.eav["id"]})
    assert r.status_code == 200, r.text
    return rc.eav["id"]


class Aid:
    def __init__(self, base, rc, who, offer, rules):
        self.base, self.rc, self.who, self.offer, self.rules = base, rc, who, offer, rules

    def contract(self, **terms):
        cand = self.rc.candidate()
        app = self.rc.apply(cand, self.offer)
        body = self.rc.terms(start_on=START, end_on=END, **terms)
        r = self.rc.act(self.who["employer"], app["id"], "accept", **body)
        assert r.status_code == 200, r.text
        return r.json()["contract_id"]

    def decide(self, contract=None, session=None, **body):
        contract = contract or self.contract()
        body.setdefault("rule_id", self.rules["eav_non_market"]["id"])
        return (session or self.who["regional"]).post(self.base + f"/api/v1/contracts/{contract}/aid", json=body)

    def decision(self, **body):
        r = self.decide(**body)
        assert r.status_code == 201, r.text
        return r.json()

    def get(self, did, session=None):
        r = (session or self.who["employer"]).get(self.base + f"/api/v1/aid-decisions/{did}")
        assert r.status_code == 200, r.text
        return r.json()

    def request(self, did, month, hours, session=None):
        return (session or self.who["employer"]).post(self.base + f"/api/v1/aid-decisions/{did}/payment-requests",
                                                      json={"month": month, "hours": hours})

    def month_hours(self, d, month):
        return sum(x["hours_centi"] for x in d["schedule"]["lines"] if x["month"] == month and x["kind"] == "aid")


@pytest.fixture(scope="module")
def aid(base, rc, who, offer, rules):
    return Aid(base, rc, who, offer, rules)


def hours_text(centi):
    return f"{centi // 100}.{centi % 100:02d}"


def counts():
    return sql("SELECT (SELECT COUNT(*) FROM aid_decisions), (SELECT COUNT(*) FROM aid_periods), "
               "(SELECT COUNT(*) FROM payment_requests), (SELECT COUNT(*) FROM bank_details), "
               "(SELECT COUNT(*) FROM schedule_lines), (SELECT COUNT(*) FROM smic_rates)")


# ---------------------------------------------------------------------------------------------
# Data


def test_the_smic_table_holds_every_value_since_2013(base, who):
    r = who["candidate"].get(base + "/api/v1/smic")
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    metro = {x["valid_from"]: x["hourly_cents"] for x in items if x["territory"] == "metropole"}
    assert metro["2013-01-01"] == 943 and metro["2021-10-01"] == 1048 and metro["2022-08-01"] == 1107
    assert metro["2024-11-01"] == 1188 and metro["2026-01-01"] == 1202
    assert len([d for d in metro if d < "2026-12-01"]) >= 18
    assert any(x["territory"] == "mayotte" and x["valid_from"] == "2026-01-01" and x["hourly_cents"] == 933
               for x in items)
    assert requests.get(base + "/api/v1/smic").status_code == 401


def test_the_aid_rules_are_rows(rules):
    assert rules["eav_non_market"]["rate_bp"] == 7500 and rules["eav_market"]["rate_bp"] == 3500
    assert rules["eav_geiq"]["rate_bp"] == 4700 and rules["eav_non_market"]["cap_weekly_centih"] == 3500
    assert rules["cnfs_w1_public"]["total_cents"] == 5000000
    assert rules["cnfs_w1_public_antilles"]["total_cents"] == 7000000
    assert rules["cnfs_w1_public_reunion_mayotte"]["total_cents"] == 6750000
    assert rules["cnfs_w2_public"]["total_cents"] == 4250000
    assert [i["amount_cents"] for i in rules["cnfs_w2_public"]["instalments"]] == [1750000, 1250000, 1250000]
    assert rules["cnfs_w2_private"]["total_cents"] == 4400000
    assert sorted(b["amount_cents"] for b in rules["cnfs_w2_public"]["bonuses"]) == [250000, 500000]


def test_national_officers_edit_a_rule_journaled_others_cannot(base, who, rules):
    rule = rules["eav_geiq"]
    r = who["regional"].patch(base + f"/api/v1/aid-rules/{rule['id']}", json={"version": rule["version"],
                                                                             "rate": "48"})
    assert r.status_code == 403
    r = who["national"].patch(base + f"/api/v1/aid-rules/{rule['id']}", json={"version": rule["version"],
                                                                             "rate": "100,5"})
    assert_problem(r, 422, "rate")
    r = who["national"].patch(base + f"/api/v1/aid-rules/{rule['id']}", json={"version": rule["version"],
                                                                             "rate": "47,5"})
    assert r.status_code == 200, r.text
    assert r.json()["rate_bp"] == 4750
    assert sql_int(f"SELECT COUNT(*) FROM journal WHERE entity = 'aid_rule' AND entity_id = {rule['id']}") == 1
    r = who["national"].patch(base + f"/api/v1/aid-rules/{rule['id']}", json={"version": rule["version"],
                                                                             "rate": "47"})
    assert_problem(r, 409)
    r = who["national"].patch(base + f"/api/v1/aid-rules/{rule['id']}", json={"version": rule["version"] + 1,
                                                                             "rate": "47"})
    assert r.status_code == 200 and r.json()["rate_bp"] == 4700


# ---------------------------------------------------------------------------------------------
# A decision and its schedule


def test_a_decision_computes_its_schedule_each_line_explained(aid, who, mailbox):
    d = aid.decision()
    s = d["schedule"]
    assert d["rate_bp"] == 7500 and d["weekly_centih"] == 3500 and s["version"] == 1
    lines = s["lines"]
    assert lines[0]["period_from"] == START and lines[0]["period_to"] == "2026-01-31"
    # 75 % × 12,02 € × 35 h × 52/12 × 27/31 days, rounded once half to even.
    assert lines[0]["amount_cents"] == 119085
    assert "75 % × SMIC horaire brut 12,02 €" in lines[0]["explain"] and "27/31 jours" in lines[0]["explain"]
    assert lines[1]["amount_cents"] == 136728 and lines[-1]["period_to"] == END
    assert s["total_cents"] == sum(x["amount_cents"] for x in lines)
    assert len({x["month"] for x in lines}) == 13
    mailbox.wait_message(DEMO_ACCOUNTS["employer"], "Décision d'aide")


def test_a_contract_has_one_decision_and_only_its_region_decides(aid, base, rc, make_account):
    c = aid.contract()
    other = rc.who(make_account("regional", regions="11")["_email"])
    assert_problem(aid.decide(contract=c, session=other), 404)  # the contract is not in their scope
    assert_problem(aid.decide(contract=c, session=aid.who["employer"]), 403)
    assert aid.decide(contract=c).status_code == 201
    assert_problem(aid.decide(contract=c), 409)


@pytest.mark.parametrize("body,field", [
    ({"rate": "100,01"}, "rate"),
    ({"rate": 150}, "rate"),
    ({"weekly_hours": "-3"}, "weekly_hours"),
    ({"aid_end": "2027-06-30"}, "aid_end"),
    ({"aid_start": "2025-12-01"}, "aid_start"),
    ({"rule_id": 999999}, "rule_id"),
    ({"territory": "lune"}, "territory"),
])
def test_bad_decisions_are_refused_naming_the_field_nothing_written(aid, body, field):
    c = aid.contract()
    before = counts()
    p = assert_problem(aid.decide(contract=c, **body), 422, field)
    assert any(ch in field_message(p, field) for ch in "«:"), p
    assert counts() == before


def test_bad_periods_and_hours_are_refused_nothing_written(aid, base, who):
    d = aid.decision()
    before = counts()
    url = base + f"/api/v1/aid-decisions/{d['id']}/periods"
    for body, field in [
        ({"from_on": "2025-12-20", "to_on": "2026-01-10", "paid_share": 0, "reason": "Arrêt"}, "from_on"),
        ({"from_on": "2027-02-01", "to_on": "2027-02-10", "paid_share": 0, "reason": "Arrêt"}, "from_on"),
        ({"from_on": "2026-03-01", "to_on": "2026-03-10", "paid_share": "120", "reason": "Arrêt"}, "paid_share"),
        ({"from_on": "2026-03-10", "to_on": "2026-03-01", "paid_share": 0, "reason": "Arrêt"}, "to_on"),
        ({"from_on": "2026-03-01", "to_on": "2026-03-10", "paid_share": 0}, "reason"),
    ]:
        r = who["employer"].post(url, json={"version": d["version"], **body})
        p = assert_problem(r, 422, field)
        assert "«" in field_message(p, field) or "Période" in field_message(p, field), p
    assert counts() == before
    assert aid.get(d["id"])["schedule"]["version"] == 1
    for hours in ("-5", -1):
        assert_problem(aid.request(d["id"], "2026-02", hours), 422, "hours")
    assert_problem(aid.request(d["id"], "2027-03", 150), 422, "month")  # outside the contract
    assert_problem(aid.request(d["id"], "2026-02", 10), 422, "hours")  # fewer than the schedule's hours
    assert_problem(aid.request(d["id"], "2026-13", 10), 422, "month")
    assert counts() == before


def test_part_time_at_half_and_sector_rates(aid, rules):
    half = aid.decision(weekly_hours="17,5")
    full = aid.decision()
    assert half["weekly_centih"] == 1750
    assert half["schedule"]["lines"][1]["amount_cents"] == 68364  # half of 136 727,5 rounded once, not half of the rounded line
    market = aid.decision(rule_id=rules["eav_market"]["id"])
    assert market["rate_bp"] == 3500
    assert market["schedule"]["lines"][1]["amount_cents"] == 63806
    assert full["schedule"]["total_cents"] > half["schedule"]["total_cents"]


# ---------------------------------------------------------------------------------------------
# Bank details


def test_bank_details_checked_journaled_and_emailed(base, who, mailbox, wait_mail):
    org = org_id(DEMO_ORG)
    url = base + f"/api/v1/organisations/{org}/bank-details"
    before = counts()
    p = assert_problem(who["employer"].put(url, json={"holder": "Les Ateliers", "iban": BAD_IBAN, "bic": "AGRIFRPP"}),
                       422, "iban")
    assert "IBAN" in field_message(p, "iban") and "clé de contrôle" in field_message(p, "iban")
    assert_problem(who["employer"].put(url, json={"holder": "Les Ateliers", "iban": GOOD_IBAN, "bic": "AGRIFRP"}),
                   422, "bic")
    assert_problem(who["employer"].put(url, json={"holder": "Les Ateliers", "iban": GOOD_IBAN, "bic": "DEUTDEFF"}),
                   422, "bic")
    assert counts() == before
    current = who["employer"].get(url)
    version = current.json()["version"] if current.status_code == 200 else 0
    r = who["employer"].put(url, json={"version": version, "holder": "Les Ateliers numériques", "iban": GOOD_IBAN,
                                       "bic": "agrifrpp"})
    assert r.status_code == 200, r.text
    assert r.json()["iban"] == "FR7630006000011234567890189" and r.json()["bic"] == "AGRIFRPP"
    body = wait_mail(DEMO_ACCOUNTS["employer"], "coordonnées bancaires")
    assert "FR76 … 0189" in body and "AGRIFRPP" in body
    j = sql(f"SELECT detail FROM journal WHERE entity = 'bank_details' AND entity_id = {org} ORDER BY id DESC")
    assert "FR76 … 0189" in j.splitlines()[0] and "7890189" not in j
    # A stale version changes nothing.
    assert_problem(who["employer"].put(url, json={"version": version, "holder": "X", "iban": GOOD_IBAN,
                                                  "bic": "AGRIFRPP"}), 409)
    for role in ("payer", "national", "admin"):
        assert who[role].get(url).status_code == 200, role
    for role in ("regional", "pole", "viewer", "candidate"):
        assert who[role].get(url).status_code == 404, role
    assert who["payer"].put(url, json={"holder": "Fraude", "iban": GOOD_IBAN, "bic": "AGRIFRPP"}).status_code == 403


# ---------------------------------------------------------------------------------------------
# Payment requests, orders, recomputation


def approve_concurrently(base, sessions, rid, version):
    results, barrier = [], threading.Barrier(len(sessions))

    def go(s):
        barrier.wait()
        r = s.post(base + f"/api/v1/payment-requests/{rid}/actions/approve", json={"version": version})
        results.append(r.status_code)

    threads = [threading.Thread(target=go, args=(s,)) for s in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(results)


def test_request_approve_at_once_order_pay_then_recompute(aid, base, who, payer_setup, mailbox):
    org = org_id(DEMO_ORG)
    url = base + f"/api/v1/organisations/{org}/bank-details"
    if who["employer"].get(url).status_code == 404:
        assert who["employer"].put(url, json={"holder": "Les Ateliers", "iban": GOOD_IBAN,
                                              "bic": "AGRIFRPP"}).status_code == 200
    d = aid.decision()
    jan = next(x for x in d["schedule"]["lines"] if x["month"] == "2026-01")
    r = aid.request(d["id"], "2026-01", hours_text(aid.month_hours(d, "2026-01")))
    assert r.status_code == 201, r.text
    req = r.json()
    assert req["amount_cents"] == jan["amount_cents"] and req["state"] == "requested"
    assert req["reference"].startswith("DP-")
    # The same month again: held already.
    assert_problem(aid.request(d["id"], "2026-01", 200), 409)
    # Not the employer's to approve; not another employer's to see.
    assert_problem(who["employer"].post(base + f"/api/v1/payment-requests/{req['id']}/actions/approve",
                                        json={"version": req["version"]}), 403)
    # Two officers at once: one wins, the other gets 409.
    assert approve_concurrently(base, [who["regional"], who["national"]], req["id"], req["version"]) == [200, 409]
    assert sql_int(f"SELECT COUNT(*) FROM journal WHERE entity = 'payment_request' AND entity_id = {req['id']} AND "
                   "action = 'approve'") == 1
    # The paying agency orders and pays: one payment for the request.
    r = who["payer"].post(base + "/api/v1/payment-orders", json={"programme_id": payer_setup})
    assert r.status_code == 201, r.text
    order = r.json()
    assert sql_int(f"SELECT COUNT(*) FROM payment_requests WHERE id = {req['id']} AND order_id = {order['id']}") == 1
    csv_r = who["payer"].get(base + f"/api/v1/payment-orders/{order['id']}/lines.csv")
    assert csv_r.status_code == 200 and csv_r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(csv_r.content.decode("utf-8-sig"))))
    mine = [x for x in rows if x["Référence"] == req["reference"]]
    assert len(mine) == 1
    assert mine[0]["IBAN"] == "FR7630006000011234567890189" and mine[0]["BIC"] == "AGRIFRPP"
    assert mine[0]["Montant (€)"] == f"{jan['amount_cents'] // 100}.{jan['amount_cents'] % 100:02d}"
    assert mine[0]["Période"] == "2026-01-05/2026-01-31" and mine[0]["Dispositif"] == "EAV-EPN-2013"
    assert set(rows[0]) >= {"SIRET", "Raison sociale", "IBAN", "BIC", "Montant (€)", "Référence", "Période",
                            "Dispositif"}
    x = who["payer"].get(base + f"/api/v1/payment-orders/{order['id']}/lines.xlsx")
    assert x.status_code == 200 and zipfile.ZipFile(io.BytesIO(x.content)).testzip() is None
    r = who["payer"].post(base + f"/api/v1/payment-orders/{order['id']}/paid",
                          json={"version": order["version"], "paid_on": "2026-02-20", "paid_reference": "VIR-0001"})
    assert r.status_code == 200, r.text
    assert who["employer"].get(base + f"/api/v1/payment-requests/{req['id']}").json()["state"] == "paid"
    assert_problem(who["payer"].post(base + f"/api/v1/payment-orders/{order['id']}/paid",
                                     json={"version": order["version"], "paid_on": "2026-02-20",
                                           "paid_reference": "VIR-0001"}), 409)
    paid = aid.get(d["id"])
    paid_line = next(x for x in paid["schedule"]["lines"] if x["month"] == "2026-01")
    assert paid_line["paid"] == 1 and paid_line["id"] == jan["id"]

    # A suspension from 20 January to 10 February is reported after the payment: a new version; the paid line is
    # never rewritten; January gets an adjustment and a recovery of the difference.
    r = who["employer"].post(base + f"/api/v1/aid-decisions/{d['id']}/periods", json={
        "version": paid["version"], "from_on": "2026-01-20", "to_on": "2026-02-10", "paid_share": 0,
        "reason": "Suspension sans rémunération"})
    assert r.status_code == 200, r.text
    v2 = r.json()
    assert v2["schedule"]["version"] == 2
    lines = v2["schedule"]["lines"]
    assert [x for x in lines if x["id"] == jan["id"]][0]["amount_cents"] == jan["amount_cents"]
    jan_new = 0
    # What January is worth now: 5-19 January paid, 20-31 suspended.
    assert sum(x["amount_cents"] for x in lines if x["month"] == "2026-01" and x["kind"] == "adjustment") < 0
    adj = next(x for x in lines if x["month"] == "2026-01" and x["kind"] == "adjustment")
    assert "Régularisation de 01/2026" in adj["explain"]
    jan_new = 66158  # 75 % × 12,02 × 35 × 52/12 × 15/31
    assert jan["amount_cents"] + adj["amount_cents"] == jan_new
    assert v2["schedule"]["total_cents"] == sum(x["amount_cents"] for x in lines)
    assert v2["recoveries"] and v2["recoveries"][0]["amount_cents"] == -adj["amount_cents"]
    mailbox.wait_message(DEMO_ACCOUNTS["employer"], "Ordre de reversement")
    # Version 1 is still there as it was.
    r = who["employer"].get(base + f"/api/v1/aid-decisions/{d['id']}/versions/1")
    assert r.status_code == 200 and r.json()["total_cents"] == d["schedule"]["total_cents"]
    assert who["employer"].get(base + f"/api/v1/aid-decisions/{d['id']}/versions/3").status_code == 404
    # The recovery is followed until repaid.
    rec = who["payer"].get(base + f"/api/v1/recoveries/{v2['recoveries'][0]['id']}").json()
    assert_problem(who["employer"].post(base + f"/api/v1/recoveries/{rec['id']}/actions/repaid",
                                        json={"version": rec["version"], "repaid_on": "2026-03-01"}), 403)
    r = who["payer"].post(base + f"/api/v1/recoveries/{rec['id']}/actions/repaid",
                          json={"version": rec["version"], "repaid_on": "2026-03-01"})
    assert r.status_code == 200 and r.json()["state"] == "repaid"
    # The ledger holds the paid line and the line claimed back.
    led = who["payer"].get(base + "/api/v1/ledger", params={"programme_id": payer_setup, "per_page": 500}).json()
    ids = {x["id"] for x in led["items"]}
    assert jan["id"] in ids and adj["id"] in ids
    # A rejected request frees its month.
    feb = aid.request(d["id"], "2026-02", hours_text(aid.month_hours(aid.get(d["id"]), "2026-02")))
    assert feb.status_code == 201, feb.text
    f = feb.json()
    assert_problem(who["regional"].post(base + f"/api/v1/payment-requests/{f['id']}/actions/reject",
                                        json={"version": f["version"]}), 422, "rejection_reason")
    r = who["regional"].post(base + f"/api/v1/payment-requests/{f['id']}/actions/reject",
                             json={"version": f["version"], "rejection_reason": "État de présence non signé."})
    assert r.status_code == 200 and r.json()["state"] == "rejected"
    assert aid.request(d["id"], "2026-02", hours_text(aid.month_hours(aid.get(d["id"]), "2026-02"))).status_code == 201


def test_early_end_exempt_keeps_days_worked_otherwise_everything_back(aid, base, who):
    d = aid.decision()
    r = who["employer"].post(base + f"/api/v1/aid-decisions/{d['id']}/end", json={
        "version": d["version"], "ended_on": "2026-03-15", "end_reason": "periode_essai"})
    assert r.status_code == 200, r.text
    e = r.json()
    assert e["end_exempt"] is True
    assert e["schedule"]["lines"][-1]["period_to"] == "2026-03-15"
    assert e["schedule"]["total_cents"] == sum(x["amount_cents"] for x in e["schedule"]["lines"]) > 0
    assert_problem(who["employer"].post(base + f"/api/v1/aid-decisions/{d['id']}/end", json={
        "version": e["version"], "ended_on": "2026-03-15", "end_reason": "demission"}), 409)
    d2 = aid.decision()
    r = who["employer"].post(base + f"/api/v1/aid-decisions/{d2['id']}/end", json={
        "version": d2["version"], "ended_on": "2026-03-15", "end_reason": "demission"})
    assert r.status_code == 200, r.text
    assert r.json()["end_exempt"] is False and r.json()["schedule"]["total_cents"] == 0
    assert "motif non exonéré" in r.json()["schedule"]["lines"][0]["explain"]
    assert_problem(who["employer"].post(base + f"/api/v1/aid-decisions/{d2['id']}/end", json={
        "version": r.json()["version"], "ended_on": "2026-03-15", "end_reason": "inconnu"}), 422, "end_reason")


def test_a_renewal_extends_the_schedule_within_60_months(aid, base, who):
    c = aid.contract()
    d = aid.decision(contract=c, aid_end="2026-06-30")
    assert len({x["month"] for x in d["schedule"]["lines"]}) == 6
    r = who["regional"].patch(base + f"/api/v1/aid-decisions/{d['id']}", json={"version": d["version"],
                                                                              "aid_end": END})
    assert r.status_code == 200, r.text
    assert r.json()["schedule"]["version"] == 2 and len({x["month"] for x in r.json()["schedule"]["lines"]}) == 13
    assert_problem(who["employer"].patch(base + f"/api/v1/aid-decisions/{d['id']}",
                                         json={"version": r.json()["version"], "rate": "90"}), 403)


def test_a_smic_change_in_the_middle_of_a_month_splits_it(aid, base, who):
    d = aid.decision(territory="mayotte")
    assert "9,33 €" in d["schedule"]["lines"][0]["explain"]
    r = who["regional"].post(base + "/api/v1/smic", json={"territory": "mayotte", "valid_from": "2026-04-16",
                                                           "hourly": "9,50"})
    assert r.status_code == 403
    r = who["national"].post(base + "/api/v1/smic", json={"territory": "mayotte", "valid_from": "2026-04-16",
                                                           "hourly": "-1"})
    assert_problem(r, 422, "hourly")
    r = who["national"].post(base + "/api/v1/smic", json={"territory": "mayotte", "valid_from": "2026-04-16",
                                                           "hourly": "9,50"})
    assert r.status_code == 200, r.text
    after = aid.get(d["id"])
    april = [x for x in after["schedule"]["lines"] if x["month"] == "2026-04"]
    assert [(x["period_from"], x["period_to"], x["smic_cents"]) for x in april] == [
        ("2026-04-01", "2026-04-15", 933), ("2026-04-16", "2026-04-30", 950)]
    assert after["schedule"]["version"] == 2
    assert sql_int("SELECT COUNT(*) FROM journal WHERE entity = 'smic_rate'") >= 1


def test_budget_envelopes(base, who, rc, aid):
    aid.decision()
    url = base + "/api/v1/budget-envelopes"
    body = {"programme_id": rc.eav["id"], "year": 2026, "region_code": "84", "commitments": "5000000",
            "payments": "4000000"}
    assert who["regional"].put(url, json=body).status_code == 403
    assert_problem(who["national"].put(url, json={**body, "commitments": "-1"}), 422, "commitments")
    r = who["national"].put(url, json=body)
    assert r.status_code == 200, r.text
    e = next(x for x in r.json()["items"] if x["region_code"] == "84" and x["year"] == 2026)
    assert e["commitments_cents"] == 500000000 and e["committed_cents"] > 0
    assert e["to_pay_cents"] == e["committed_cents"] - e["paid_cents"]
    assert e["commitments_left_cents"] == 500000000 - e["committed_cents"]
    assert e["forecast_cents"] >= e["committed_cents"]


# ---------------------------------------------------------------------------------------------
# Who sees what


def test_an_employer_never_sees_another_employers_aid(aid, base, rc, who, payer_setup):
    d = aid.decision()
    _, other_email = rc.structure()
    other = rc.who(other_email)
    org = org_id(DEMO_ORG)
    assert_problem(other.get(base + f"/api/v1/aid-decisions/{d['id']}"), 404)
    assert_problem(other.get(base + f"/api/v1/aid-decisions/{d['id']}/versions/1"), 404)
    assert other.get(base + "/api/v1/aid-decisions").json()["total"] == 0
    csv_r = other.get(base + "/api/v1/aid-decisions", params={"format": "csv"})
    assert csv_r.status_code == 200 and len(csv_r.content.decode("utf-8-sig").strip().splitlines()) == 1
    assert other.get(base + "/api/v1/payment-requests").json()["total"] == 0
    assert other.get(base + "/api/v1/ledger").json()["total"] == 0
    assert other.get(base + "/api/v1/recoveries").json()["total"] == 0
    assert_problem(other.get(base + f"/api/v1/organisations/{org}/bank-details"), 404)
    assert_problem(other.put(base + f"/api/v1/organisations/{org}/bank-details",
                             json={"holder": "Fraude", "iban": GOOD_IBAN, "bic": "AGRIFRPP"}), 404)
    assert_problem(aid.request(d["id"], "2026-01", 200, session=other), 404)
    orders = who["payer"].get(base + "/api/v1/payment-orders").json()["items"]
    assert orders, "the payment test made an order"
    for suffix in ("", "/lines.csv", "/lines.xlsx"):
        assert_problem(other.get(base + f"/api/v1/payment-orders/{orders[0]['id']}{suffix}"), 404)
        assert_problem(who["employer"].get(base + f"/api/v1/payment-orders/{orders[0]['id']}{suffix}"), 404)
    assert_problem(other.post(base + "/api/v1/payment-orders", json={"programme_id": payer_setup}), 403)
    # The demo employer sees its own; the pole and steering read; a candidate sees nothing.
    assert who["employer"].get(base + "/api/v1/aid-decisions").json()["total"] >= 1
    assert who["pole"].get(base + f"/api/v1/aid-decisions/{d['id']}").status_code == 200
    assert who["viewer"].get(base + f"/api/v1/aid-decisions/{d['id']}").status_code == 200
    assert_problem(who["candidate"].get(base + f"/api/v1/aid-decisions/{d['id']}"), 404)
    assert_problem(who["pole"].post(base + f"/api/v1/aid-decisions/{d['id']}/end", json={
        "version": d["version"], "ended_on": "2026-03-15", "end_reason": "demission"}), 403)


def test_lists_filter_sort_page_and_export(aid, base, who):
    aid.decision()
    aid.decision()
    r = who["employer"].get(base + "/api/v1/aid-decisions", params={"per_page": 1, "page": 2, "sort": "start"})
    assert r.status_code == 200 and len(r.json()["items"]) == 1 and r.json()["page"] == 2
    x = who["national"].get(base + "/api/v1/aid-decisions", params={"format": "xlsx"})
    assert x.status_code == 200 and zipfile.ZipFile(io.BytesIO(x.content)).testzip() is None
    assert_problem(who["national"].get(base + "/api/v1/aid-decisions", params={"format": "pdf"}), 422, "format")
    assert_problem(who["national"].get(base + "/api/v1/aid-decisions", params={"per_page": 0}), 422, "per_page")


def test_every_subsidy_endpoint_is_in_the_openapi_document(base):
    doc = requests.get(base + "/api/v1/openapi.json").json()
    paths = doc["paths"]
    for p in ["/api/v1/smic", "/api/v1/aid-rules/{id}", "/api/v1/contracts/{id}/aid", "/api/v1/aid-decisions",
              "/api/v1/aid-decisions/{id}/versions/{id2}", "/api/v1/aid-decisions/{id}/payment-requests",
              "/api/v1/payment-requests/{id}/actions/{token}", "/api/v1/payment-orders/{id}/lines.csv",
              "/api/v1/ledger", "/api/v1/recoveries", "/api/v1/organisations/{id}/bank-details",
              "/api/v1/budget-envelopes"]:
        assert p in paths, p
    body = paths["/api/v1/contracts/{id}/aid"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["$ref"] == "#/components/schemas/aid_decision"
    props = doc["components"]["schemas"]["aid_decision"]["properties"]
    assert {"rule_id", "rate", "weekly_hours", "aid_start", "aid_end", "territory"} <= set(props)
    iban = doc["components"]["schemas"]["bank_details"]["properties"]["iban"]
    assert iban["type"] == "string" and "pattern" in iban


def test_the_journal_chain_holds(base):
    assert journal_verify().returncode == 0
