"""Operating a server (issue 16, items 4 and 5, and the reload of item 2): GET /metrics in the Prometheus text format
for the addresses of [metrics] allow only (a client cannot fake its address through X-Forwarded-For), the counters
moving with the requests; JSON log lines with a request id carried from the access line to the application's lines
of the same request, returned in X-Request-Id and shown on the error page; SIGHUP reading the configuration again
and applying what may change while serving (and only that).

One server of its own for the module (on the session's database), since these tests change its configuration."""
import json
import math
import os
import re
import signal
import time

import pytest
import requests

from conftest import DATABASE, Server, free_port, text, unique, write_config

LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)')
REFERENCE = re.compile(r"Référence de l'erreur : <code>([A-Za-z0-9_.:-]+)</code>")


class FromAddress(requests.adapters.HTTPAdapter):
    """Connects from a chosen loopback address (127.0.0.0/8 is all this machine's)."""

    def __init__(self, address):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def session_from(address):
    s = requests.Session()
    s.mount("http://", FromAddress(address))
    return s


def parse_prometheus(body):
    """{(name, frozenset(labels)): value} of a text exposition (version 0.0.4), checking its grammar: every sample
    belongs to a family declared by # TYPE before it, label values are escaped, values are numbers, a histogram's
    buckets are cumulative and end with +Inf equal to its _count."""
    types, samples = {}, {}
    for line in body.splitlines():
        if not line:
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            assert kind in ("counter", "gauge", "histogram", "summary", "untyped"), line
            assert name not in types, f"family declared twice: {name}"
            types[name] = kind
            continue
        if line.startswith("# HELP "):
            continue
        assert not line.startswith("#"), line
        m = LINE.match(line)
        assert m, f"not a sample line: {line!r}"
        name, labels, value = m.group(1), m.group(3) or "", m.group(4)
        family = re.sub(r"_(bucket|sum|count)$", "", name)
        assert name in types or (family in types and types[family] in ("histogram", "summary")), line
        pairs = LABEL.findall(labels)
        assert ",".join(f'{k}="{v}"' for k, v, _ in pairs) == labels, f"bad labels: {line!r}"
        v = float(value)
        assert not math.isnan(v), line
        key = (name, frozenset((k, v2) for k, v2, _ in pairs))
        assert key not in samples, f"sample twice: {line!r}"
        samples[key] = v
    for (name, labels), v in samples.items():
        if name.endswith("_count") and types.get(name[:-6]) == "histogram":
            buckets = sorted(((float(dict(l)["le"]), x) for (n, l), x in samples.items()
                              if n == name[:-6] + "_bucket" and l - {("le", dict(l)["le"])} == labels))
            assert buckets and buckets[-1][0] == math.inf and buckets[-1][1] == v, (name, labels)
            assert all(a[1] <= b[1] for a, b in zip(buckets, buckets[1:])), (name, labels, buckets)
    return types, samples


def sample(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


class Ops:
    """The module's server, its configuration file and log."""

    def __init__(self, workdir):
        self.port = free_port()
        self.ini = os.path.join(workdir, f"ops-{self.port}.ini")
        self.extra = {"log": {"format": "json"}, "metrics": {"allow": "127.0.0.1"}, "server": {}}
        self.write()
        self.srv = Server(DATABASE, self.ini, self.port, os.path.join(workdir, f"ops-{self.port}.log"))
        self.base = self.srv.base

    def write(self):
        server = "".join(f"{k} = {v}\n" for k, v in self.extra["server"].items())
        other = "".join(f"[{sec}]\n" + "".join(f"{k} = {v}\n" for k, v in keys.items())
                        for sec, keys in self.extra.items() if sec != "server")
        write_config(self.ini, self.port, extra=server + other)

    def reload(self, **changes):
        """Writes the configuration with CHANGES ({"section": {"key": value or None}}), sends SIGHUP and waits for
        the server's line that ends the reload; returns the log lines the reload wrote."""
        for sec, keys in changes.items():
            for k, v in keys.items():
                if v is None:
                    self.extra.setdefault(sec, {}).pop(k, None)
                else:
                    self.extra.setdefault(sec, {})[k] = v
        self.write()
        before = len(self.lines())
        self.srv.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            new = self.lines()[before:]
            if any(("reload: done" in l or "the running configuration is kept" in l) for l in new):
                return new
            time.sleep(0.02)
        raise AssertionError("no end of reload in the log\n" + self.srv.log_tail())

    def lines(self):
        return self.srv.run_log().splitlines()

    def json_lines(self):
        out = []
        for line in self.lines():
            if line.startswith("{"):
                out.append(json.loads(line))  # every JSON line parses
        return out

    def metrics(self, session=requests):
        r = session.get(self.base + "/metrics", timeout=30)
        assert r.status_code == 200, r.status_code
        assert r.headers["content-type"].startswith("text/plain; version=0.0.4"), r.headers["content-type"]
        return parse_prometheus(r.text)


@pytest.fixture(scope="module")
def ops(server, workdir):
    o = Ops(workdir)
    o.srv.start()
    yield o
    o.srv.stop_checked()


def test_metrics_in_the_prometheus_format_and_the_counts_move(ops):
    types, before = ops.metrics()
    for name, kind in [("tremplin_http_requests_total", "counter"), ("tremplin_http_request_duration_seconds",
                       "histogram"), ("tremplin_worker_queue_depth", "gauge"), ("tremplin_db_seconds_total", "counter"),
                       ("tremplin_outbox_pending", "gauge"), ("tremplin_outbox_send_failures_total", "counter"),
                       ("tremplin_job_runs_total", "counter"), ("tremplin_job_duration_seconds", "summary"),
                       ("tremplin_search_index_build_seconds", "gauge"), ("tremplin_search_index_bytes", "gauge"),
                       ("tremplin_sessions_active", "gauge")]:
        assert types.get(name) == kind, (name, types.get(name))
    assert sample(before, "tremplin_search_index_builds_total") >= 1  # built before the port opened
    assert sample(before, "tremplin_sessions_active") >= 0
    health = dict(method="GET", route="/healthz", code="200")
    missing = "/" + unique("absent-")
    for _ in range(3):
        assert requests.get(ops.base + "/healthz").status_code == 200
    assert requests.get(ops.base + missing).status_code == 404
    assert requests.get(ops.base + "/api/v1/places?q=x").status_code == 200

    _, after = ops.metrics()
    assert sample(after, "tremplin_http_requests_total", **health) - sample(before, "tremplin_http_requests_total",
                                                                             **health) == 3
    assert (sample(after, "tremplin_http_requests_total", method="", route="(none)", code="404") -
            sample(before, "tremplin_http_requests_total", method="", route="(none)", code="404")) == 1
    places = dict(method="GET", route="/api/v1/places")
    assert sample(after, "tremplin_http_request_duration_seconds_count", **places) >= 1
    assert sample(after, "tremplin_http_request_duration_seconds_sum", **places) > 0
    # the scrapes count too: the first one is in the second
    assert sample(after, "tremplin_http_requests_total", method="GET", route="/metrics", code="200") >= 1
    assert sample(after, "tremplin_db_statements_total") > sample(before, "tremplin_db_statements_total")
    assert sample(after, "tremplin_db_seconds_total") > 0
    assert sample(after, "tremplin_workers") >= 1 and sample(after, "tremplin_worker_queue_capacity") >= 1


def test_metrics_answer_only_the_allowed_addresses_whatever_x_forwarded_for_says(ops):
    outsider = session_from("127.0.0.5")
    assert outsider.get(ops.base + "/metrics").status_code == 404
    # no trusted proxy: X-Forwarded-For is not believed
    assert outsider.get(ops.base + "/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 404
    r = outsider.get(ops.base + "/metrics")
    assert r.status_code == 404 and "tremplin_" not in r.text

    # Behind a trusted proxy (127.0.0.1): the client is the address it forwards, never what the client wrote.
    ops.reload(server={"trusted_proxies": "127.0.0.1"}, metrics={"allow": "127.0.0.7"})
    try:
        assert requests.get(ops.base + "/metrics").status_code == 404  # the proxy itself is not allowed
        relayed = requests.get(ops.base + "/metrics", headers={"X-Forwarded-For": "127.0.0.7"})
        assert relayed.status_code == 200  # an allowed client behind the proxy
        faked = requests.get(ops.base + "/metrics", headers={"X-Forwarded-For": "127.0.0.7, 127.0.0.5"})
        assert faked.status_code == 404  # what an appending proxy sends when the client at .5 claims to be .7
        direct = outsider.get(ops.base + "/metrics", headers={"X-Forwarded-For": "127.0.0.7"})
        assert direct.status_code == 404  # a client that is no proxy cannot claim an address
        assert session_from("127.0.0.7").get(ops.base + "/metrics").status_code == 200  # the allowed address itself
    finally:
        ops.reload(server={"trusted_proxies": None}, metrics={"allow": "127.0.0.1"})
    assert requests.get(ops.base + "/metrics").status_code == 200


def test_json_logs_carry_the_request_id_from_the_access_line_to_the_error_page(ops):
    # A request whose time budget runs out: the worker logs it (an application line), the visitor gets a 503 page.
    ops.reload(server={"deadline_ms": "300"})
    try:
        r = requests.get(ops.base + "/__test/slow?n=1000000000")
    finally:
        ops.reload(server={"deadline_ms": None})
    assert r.status_code == 503, r.status_code
    rid = r.headers["X-Request-Id"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{16}", rid), rid
    lines = [l for l in ops.json_lines() if l.get("request_id") == rid]
    access = [l for l in lines if l.get("type") == "access"]
    assert len(access) == 1 and access[0]["status"] == 503 and access[0]["path"] == "/__test/slow", lines
    assert access[0]["level"] == "info" and access[0]["client"] == "127.0.0.1" and "time" in access[0]
    app = [l for l in lines if l.get("type") != "access"]
    assert any("time budget" in l["msg"] and l["level"] == "warn" for l in app), lines

    # The error page of an HTML route shows the id (an API problem has the header).
    missing = "/" + unique("page-absente-")
    r = requests.get(ops.base + missing)
    assert r.status_code == 404
    shown = REFERENCE.search(text(r))
    assert shown and shown.group(1) == r.headers["X-Request-Id"], text(r)[-2000:]
    logged = [l for l in ops.json_lines() if l.get("request_id") == shown.group(1)]
    assert len(logged) == 1 and logged[0]["path"] == missing and logged[0]["status"] == 404
    assert all(l.get("request_id") != shown.group(1) for l in ops.json_lines() if l.get("type") != "access")
    ids = {requests.get(ops.base + "/healthz").headers["X-Request-Id"] for _ in range(5)}
    assert len(ids) == 5  # one each


def test_the_request_id_of_a_trusted_proxy_is_kept_a_clients_is_not(ops):
    sent = {"X-Request-Id": "lb-" + unique("id")}
    assert requests.get(ops.base + "/healthz", headers=sent).headers["X-Request-Id"] != sent["X-Request-Id"]
    ops.reload(server={"trusted_proxies": "127.0.0.1"})
    try:
        assert requests.get(ops.base + "/healthz", headers=sent).headers["X-Request-Id"] == sent["X-Request-Id"]
        odd = requests.get(ops.base + "/healthz", headers={"X-Request-Id": "a b<script>"}).headers["X-Request-Id"]
        assert re.fullmatch(r"[A-Za-z0-9_-]{16}", odd)  # not a token: replaced
        outsider = session_from("127.0.0.5")
        assert outsider.get(ops.base + "/healthz", headers=sent).headers["X-Request-Id"] != sent["X-Request-Id"]
    finally:
        ops.reload(server={"trusted_proxies": None})


def test_sighup_applies_what_may_change_live_and_keeps_the_rest(ops):
    _, before = ops.metrics()
    new = ops.reload(log={"format": "text", "level": "warn"}, server={"threads": "3"})
    text_lines = [l for l in new if not l.startswith("{")]
    assert any("server.threads changed in the file; it cannot change while serving" in l for l in new), new
    assert any('log.format: \\"json\\" -> \\"text\\"' in l or 'log.format: "json" -> "text"' in l for l in new), new
    assert any("reload: done" in l for l in text_lines), new  # written in the new format
    mark = "/" + unique("apres-rechargement-")
    requests.get(ops.base + mark)
    assert not any(mark in l for l in ops.lines())  # level warn: no access line (info)

    # An invalid file changes nothing.
    bad = ops.reload(log={"level": "bavard"})
    assert any("log.level: expected debug, info, warn or error" in l and "kept" in l for l in bad), bad
    requests.get(ops.base + mark + "-2")
    assert not any(mark + "-2" in l for l in ops.lines())  # still warn
    assert ops.srv.proc.poll() is None

    ops.reload(log={"format": "json", "level": None}, server={"threads": None})
    requests.get(ops.base + mark + "-3")
    assert any(mark + "-3" in l and l.startswith("{") for l in ops.lines())
    _, after = ops.metrics()
    assert sample(after, "tremplin_config_reloads_total") - sample(before, "tremplin_config_reloads_total") == 3
    assert sample(after, "tremplin_config_reload_failures_total") - sample(
        before, "tremplin_config_reload_failures_total") == 1
