"""Fingerprinted static files (issue 18): the pages name their stylesheets, scripts and icons by an address holding
the start of the file's SHA-256, /static/v/HASH/PATH, cached for a year as immutable; the plain /static/PATH keeps
working with its week of cache."""
import hashlib
import re

import requests

FINGERPRINTED = re.compile(r'(?:href|src)="(/static/v/([0-9a-f]{16})/([^"]+))"')


def page_assets(base):
    r = requests.get(base + "/")
    assert r.status_code == 200
    return FINGERPRINTED.findall(r.text)


def test_the_layout_names_its_assets_by_their_content_hash(base):
    found = {rel: (url, h) for url, h, rel in page_assets(base)}
    for rel in ("dsfr/dsfr.min.css", "app/app.css", "dsfr/dsfr.module.min.js", "dsfr/favicon/favicon.svg"):
        assert rel in found, (rel, sorted(found))
        url, h = found[rel]
        plain = requests.get(base + "/static/" + rel, headers={"Accept-Encoding": "identity"})
        assert plain.status_code == 200
        assert hashlib.sha256(plain.content).hexdigest()[:16] == h, rel
        r = requests.get(base + url, headers={"Accept-Encoding": "identity"})
        assert r.status_code == 200 and r.content == plain.content, rel
        assert r.headers["cache-control"] == "public, max-age=31536000, immutable", rel
        assert r.headers["content-type"] == plain.headers["content-type"], rel
        assert r.headers.get("x-content-type-options") == "nosniff"
        # The old name still works, with its week of cache.
        assert plain.headers["cache-control"] == "public, max-age=604800"


def test_fingerprinted_stylesheets_come_precompressed(base):
    url = next(u for u, _, rel in page_assets(base) if rel == "dsfr/dsfr.min.css")
    r = requests.get(base + url, headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.headers.get("content-encoding") == "gzip"
    assert b"--" in r.content[:4096] or b"{" in r.content[:4096]


def test_a_stale_or_unknown_fingerprint_is_not_cached_for_ever(base):
    # A font reached relatively from a fingerprinted stylesheet, or an old hash: served, with the ordinary cache.
    r = requests.get(base + "/static/v/0000000000000000/dsfr/dsfr.min.css")
    assert r.status_code == 200 and r.headers["cache-control"] == "public, max-age=604800"
    r = requests.get(base + "/static/v/0000000000000000/nothing-here.css")
    assert r.status_code == 404
    assert "immutable" not in r.headers.get("cache-control", "")
    r = requests.get(base + "/static/v/0000000000000000/../../etc/passwd")
    assert r.status_code == 404
