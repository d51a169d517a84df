"""Webhooks for integrators, against a receiver started here (http.server on loopback; the tests' configuration
allows loopback, retries after 1, 2, 4 s, a 2 s timeout and a pause after 3 failures in a row): the Standard Webhooks
signature, retries after a 500 and after a timeout, no delivery of an event outside the subscriber's scope, no
subscription to a private address, the pause and its email, the replay, the pages."""
import base64
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from conftest import DEMO_ACCOUNTS, csrf_from, run_cli, unique

PLACE = "demo-ateliers-numeriques-crest"  # the demo structure's EPN, in Crest (region 84)


class Receiver:
    """Records every POST by path; a path's behaviour is a list of answers taken in turn (the last one repeats):
    a status, or "slow" (answers 200 after the server's timeout has passed)."""

    def __init__(self):
        self.got = {}
        self.plans = {}
        self.cond = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                with receiver.cond:
                    hits = receiver.got.setdefault(self.path, [])
                    hits.append({"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
                    plan = receiver.plans.get(self.path, [200])
                    answer = plan[min(len(hits) - 1, len(plan) - 1)]
                    receiver.cond.notify_all()
                if answer == "slow":
                    time.sleep(3)  # past the server's 2 s timeout: the delivery counts as failed
                    answer = 200
                try:
                    self.send_response(answer)
                    self.send_header("content-length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the server gave up waiting

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def wait(self, path, n, timeout=30):
        """The first N requests to PATH, waiting for them."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while len(self.got.get(path, [])) < n:
                left = deadline - time.monotonic()
                assert left > 0, f"{path}: {len(self.got.get(path, []))} request(s) of {n} within {timeout}s"
                self.cond.wait(left)
            return list(self.got[path][:n])

    def count(self, path):
        with self.cond:
            return len(self.got.get(path, []))


@pytest.fixture(scope="module")
def receiver():
    r = Receiver()
    yield r
    r.httpd.shutdown()


@pytest.fixture(scope="module")
def who(server, api, make_account):
    """who[actor] -> a requests.Session with an API token: the demo's national officer and structure, and a regional
    officer of Île-de-France (the demo's dossiers are in Auvergne-Rhône-Alpes, out of their scope)."""
    people = {"national": DEMO_ACCOUNTS["national"], "employer": DEMO_ACCOUNTS["employer"],
              "regional_other": make_account("regional", regions="11")["_email"],
              "candidate": DEMO_ACCOUNTS["candidate"]}
    out = {}
    for actor, email in people.items():
        r = run_cli("token", "create", email, unique("hooks-"))
        assert r.returncode == 0, r.stderr
        s = requests.Session()
        s.headers["Authorization"] = "Bearer " + r.stdout.strip()
        s.email = email
        out[actor] = s
    return out


@pytest.fixture(scope="module")
def eav(base):
    items = requests.get(base + "/api/v1/programmes").json()["items"]
    p = requests.get(base + f"/api/v1/programmes/{next(x['id'] for x in items if x['code'] == 'EAV-EPN-2013')}")
    p = p.json()
    p["profile_id"] = next(j["id"] for j in p["job_profiles"] if j["code"] == "forgeur-numerique")
    p["pole_id"] = next(x["id"] for x in p["poles"] if x["code"] == "centre-est")
    return p


def submitted_dossier(base, who, eav):
    """A new dossier of the demo structure, submitted (the event dossier.submit); its id."""
    body = {
        "programme_id": eav["id"], "place_id": PLACE, "employer_category": "association",
        "contact_name": "Sébastien Structure", "contact_email": "structure@demo.tremplin.fr",
        "contact_phone": "04 75 00 00 00", "project": "Un forgeur numérique pour le fablab.",
        "job_profile_id": eav["profile_id"], "netpublic": True, "listed_national": True,
        "tutor_name": "Anne Tutrice", "tutor_qualities": "Animatrice multimédia", "sponsor_name": "Paul Parrain",
        "sponsor_qualities": "Gérant", "company_name": "Valence Informatique Services",
        "company_siret": "73282932000074", "company_activity": "Services informatiques", "pole_id": eav["pole_id"],
        "training_path": "Prise de poste.", "development_project": "Ouvrir le samedi.", "posts_requested": 1,
        "signed_on": "2025-09-01", "signatory": "Le président",
    }
    r = who["employer"].post(base + "/api/v1/dossiers", json=body)
    assert r.status_code == 201, r.text
    d = r.json()
    r = who["employer"].post(base + f"/api/v1/dossiers/{d['id']}/actions/submit", json={"version": d["version"]})
    assert r.status_code == 200, r.text
    return d["id"]


def subscribe(base, session, url, events):
    r = session.post(base + "/api/v1/webhooks", json={"url": url, "description": "tests", "events": events})
    assert r.status_code == 201, r.text
    sub = r.json()
    assert sub["secret"].startswith("whsec_") and sub["state"] == "active"
    return sub


def deliveries(base, session, sub_id):
    r = session.get(base + f"/api/v1/webhooks/{sub_id}")
    assert r.status_code == 200, r.text
    return r.json()


def wait_sub(base, session, sub_id, ok, timeout=30):
    """The subscription once OK(it) holds."""
    deadline = time.monotonic() + timeout
    while True:
        s = deliveries(base, session, sub_id)
        if ok(s):
            return s
        assert time.monotonic() < deadline, s
        time.sleep(0.2)


def verify(secret, hit):
    """Checks a delivery's signature as a receiver would (Standard Webhooks); returns the body as JSON."""
    h = hit["headers"]
    key = base64.b64decode(secret[len("whsec_"):])
    signed = f"{h['webhook-id']}.{h['webhook-timestamp']}.".encode() + hit["body"]
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert h["webhook-signature"] == "v1," + expected
    assert abs(int(h["webhook-timestamp"]) - time.time()) < 600
    assert h["content-type"] == "application/json"
    return json.loads(hit["body"])


def test_signed_delivery_in_scope_only_and_replay(base, who, eav, receiver):
    mine = subscribe(base, who["national"], receiver.url + "/national", ["dossier"])
    other = subscribe(base, who["regional_other"], receiver.url + "/other-region", ["dossier", "offer"])
    try:
        dossier = submitted_dossier(base, who, eav)
        hits = receiver.wait("/national", 1)
        event = verify(mine["secret"], hits[0])
        assert event["type"] == "dossier.submit"
        assert event["data"] == {"id": dossier, "action": "submit", "from": "draft", "to": "regional_review",
                                 "version": 2}
        assert event["timestamp"].endswith("Z")
        first_id = hits[0]["headers"]["webhook-id"]
        # The same event was dispatched to every subscription in one transaction: the regional officer of another
        # region got no delivery (the dossier does not exist for them).
        assert deliveries(base, who["regional_other"], other["id"])["deliveries"]["total"] == 0
        assert receiver.count("/other-region") == 0
        listed = wait_sub(base, who["national"], mine["id"],
                          lambda s: s["deliveries"]["items"][0]["status"] == "delivered")["deliveries"]["items"][0]
        assert listed["type"] == "dossier.submit" and listed["entity_id"] == dossier and listed["attempts"] == 1
        # Replayed: the same message again (same webhook-id), signed anew.
        r = who["national"].post(base + f"/api/v1/webhooks/{mine['id']}/deliveries/{listed['id']}/replay")
        assert r.status_code == 200, r.text
        again = receiver.wait("/national", 2)[1]
        assert again["headers"]["webhook-id"] == first_id
        assert verify(mine["secret"], again)["data"]["id"] == dossier
        # Nobody else replays it, nor reads the subscription.
        r = who["regional_other"].post(base + f"/api/v1/webhooks/{mine['id']}/deliveries/{listed['id']}/replay")
        assert r.status_code == 404
        assert who["regional_other"].get(base + f"/api/v1/webhooks/{mine['id']}").status_code == 404
    finally:
        for s, sub in ((who["national"], mine), (who["regional_other"], other)):
            assert s.delete(base + f"/api/v1/webhooks/{sub['id']}").status_code == 204


@pytest.mark.parametrize("plan", [[500, 200], ["slow", 200]], ids=["after-500", "after-timeout"])
def test_retried_with_backoff(base, who, eav, receiver, plan):
    path = f"/retry-{plan[0]}"
    receiver.plans[path] = plan
    sub = subscribe(base, who["employer"], receiver.url + path, ["dossier.submit"])
    try:
        submitted_dossier(base, who, eav)
        hits = receiver.wait(path, 2)
        assert hits[0]["headers"]["webhook-id"] == hits[1]["headers"]["webhook-id"]
        assert hits[0]["headers"]["webhook-timestamp"] <= hits[1]["headers"]["webhook-timestamp"]
        verify(sub["secret"], hits[1])
        s = wait_sub(base, who["employer"], sub["id"], lambda s: s["deliveries"]["items"][0]["status"] == "delivered")
        assert s["deliveries"]["items"][0]["attempts"] == 2, s
        assert s["failures"] == 0 and s["state"] == "active", s
    finally:
        assert who["employer"].delete(base + f"/api/v1/webhooks/{sub['id']}").status_code == 204


def test_paused_after_failures_in_a_row_and_resumed(base, who, eav, receiver, wait_mail):
    path = "/always-failing"
    receiver.plans[path] = [500]
    sub = subscribe(base, who["employer"], receiver.url + path, ["dossier"])
    try:
        submitted_dossier(base, who, eav)
        receiver.wait(path, 3)
        s = wait_sub(base, who["employer"], sub["id"], lambda s: s["state"] == "paused")
        assert s["failures"] == 3
        item = s["deliveries"]["items"][0]
        assert item["status"] == "pending" and item["attempts"] == 3 and item["last_status"] == 500
        msg = wait_mail(DEMO_ACCOUNTS["employer"], "Abonnement webhook mis en pause")
        assert receiver.url + path in msg and "/webhooks/" in msg
        # Paused: nothing more is tried; resumed, the waiting delivery goes out.
        receiver.plans[path] = [200]
        r = who["employer"].post(base + f"/api/v1/webhooks/{sub['id']}/resume")
        assert r.status_code == 200 and r.json()["state"] == "active" and r.json()["failures"] == 0
        receiver.wait(path, 4)
        wait_sub(base, who["employer"], sub["id"], lambda s: s["deliveries"]["items"][0]["status"] == "delivered")
    finally:
        assert who["employer"].delete(base + f"/api/v1/webhooks/{sub['id']}").status_code == 204


@pytest.mark.parametrize("url", ["https://10.0.0.8/hooks", "http://192.168.1.20/hooks", "https://172.20.0.1/",
                                 "https://169.254.169.254/latest/meta-data", "https://[fd00::1]/hooks",
                                 "https://[fe80::1]/hooks", "ftp://rh.example.org/hooks", "pas une adresse", ""])
def test_private_and_bad_urls_refused(base, who, url):
    r = who["national"].post(base + "/api/v1/webhooks", json={"url": url, "events": ["dossier"]})
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["url"]


def test_bad_events_and_who_may_subscribe(base, who, receiver):
    r = who["national"].post(base + "/api/v1/webhooks", json={"url": receiver.url + "/x", "events": ["dossier.fly"]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "events"
    r = who["national"].post(base + "/api/v1/webhooks", json={"url": receiver.url + "/x", "events": []})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "events"
    r = who["candidate"].post(base + "/api/v1/webhooks", json={"url": receiver.url + "/x", "events": ["offer"]})
    assert r.status_code == 403
    events = who["national"].get(base + "/api/v1/webhooks/events").json()["items"]
    codes = {e["code"]: e["actions"] for e in events}
    assert "submit" in codes["dossier"] and "publish" in codes["offer"] and "apply" in codes["application"]
    assert "pay" in codes["payment_request"] and "ingest" in codes["activity_batch"]


def test_pages(base, sessions, receiver):
    s = sessions["national"]
    r = s.get(base + "/webhooks")
    assert r.status_code == 200 and "Nouvel abonnement" in r.text
    csrf = csrf_from(r.text)
    r = s.post(base + "/webhooks", data={"csrf": csrf, "url": "https://10.1.1.1/x", "events": "dossier"})
    assert r.status_code == 422 and "adresse privée" in r.text
    r = s.post(base + "/webhooks", data={"csrf": csrf, "url": receiver.url + "/page", "description": "SIRH",
                                         "events": ["dossier", "contract"]}, allow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    page = s.get(base + r.headers["location"])
    assert page.status_code == 200 and "whsec_" in page.text and "dossier|contract" in page.text
    r = s.post(base + r.headers["location"] + "/pause", data={"csrf": csrf}, allow_redirects=False)
    assert r.status_code == 303
    assert "En pause" in s.get(base + r.headers["location"]).text
    r = s.post(base + r.headers["location"] + "/supprimer", data={"csrf": csrf}, allow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/webhooks"
    assert sessions["candidate"].get(base + "/webhooks").status_code == 403
