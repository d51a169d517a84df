"""No dead end: signed in as each demo account, and as an anonymous visitor, follow every link and every GET form
reachable from the home page (same origin), and fail on any 4xx or 5xx reached that way. A page shown is a promise
that its links open; a link that answers 403 or 409 is a link the page should not have drawn.

Bounded: URLs are reduced to a pattern (each number and each long token as {id}, the query's names without their
values), and each pattern is visited a few times per account, so the crawl stays small as the data grows."""
import concurrent.futures
import html.parser
import re
import urllib.parse

import pytest
import requests

from conftest import DEMO_ACCOUNTS

PER_PATTERN = 2  # visits of one URL pattern per account
MAX_PAGES = 400  # per account: a runaway crawl fails instead of running on
SKIP_PREFIXES = ("/static/", "/api/", "/deconnexion")
# Downloads are fetched (they must answer) but not parsed.
DOWNLOAD = re.compile(r"\.(csv|xlsx|pdf|atom|xml|json|zip)$|/fichier$|/cv$|/donnees$")


class Links(html.parser.HTMLParser):
    """The hrefs of <a> and the GET forms (action and default values of their fields) of one page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links = []
        self.forms = []
        self._form = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            method = (a.get("method") or "get").lower()
            self._form = {"action": a.get("action") or "", "fields": []} if method == "get" else None
        elif self._form is not None and tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "image", "file"):
                self._form["fields"].append((a["name"], a.get("value") or ""))
        elif self._form is not None and tag == "select" and a.get("name"):
            self._select = [a["name"], None, None]  # name, first option, selected option
        elif self._select is not None and tag == "option":
            value = a.get("value", "")
            if self._select[1] is None:
                self._select[1] = value
            if "selected" in a:
                self._select[2] = value

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None and self._form is not None:
            name, first, chosen = self._select
            self._form["fields"].append((name, chosen if chosen is not None else (first or "")))
            self._select = None
        elif tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None


def pattern(url):
    """The shape of a URL: numbers and long tokens as {id}, the query's names sorted without values."""
    parts = urllib.parse.urlsplit(url)
    segs = ["{id}" if re.fullmatch(r"\d+|[A-Za-z0-9_.:-]{20,}", s) else s for s in parts.path.split("/")]
    names = sorted({k for k, _ in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)})
    return "/".join(segs) + ("?" + "&".join(names) if names else "")


def crawl(base, session):
    """Visits what SESSION can reach from /; returns ([(from, url, status)] of the failures, pages visited)."""
    origin = urllib.parse.urlsplit(base)
    seen, counts, failures = set(), {}, []
    queue = [("(départ)", "/")]
    visited = 0
    while queue:
        source, url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        key = pattern(url)
        if counts.get(key, 0) >= PER_PATTERN:
            continue
        counts[key] = counts.get(key, 0) + 1
        visited += 1
        assert visited <= MAX_PAGES, f"over {MAX_PAGES} pages: the crawl's patterns are too loose"
        r = session.get(base + url, allow_redirects=True, timeout=60)
        if r.status_code >= 400:
            failures.append((source, url, r.status_code))
            continue
        final = urllib.parse.urlsplit(r.url)
        if DOWNLOAD.search(final.path) or "text/html" not in r.headers.get("Content-Type", ""):
            continue
        page = final.path + ("?" + final.query if final.query else "")
        parser = Links()
        parser.feed(r.text)
        targets = list(parser.links)
        for form in parser.forms:
            query = urllib.parse.urlencode(form["fields"])
            targets.append((form["action"] or final.path) + ("?" + query if query else ""))
        for href in targets:
            absolute = urllib.parse.urlsplit(urllib.parse.urljoin(r.url, href))
            if absolute.scheme not in ("http", "https") or absolute.netloc != origin.netloc:
                continue
            path = absolute.path
            if path.startswith(SKIP_PREFIXES):
                continue
            target = path + ("?" + absolute.query if absolute.query else "")
            if target not in seen:
                queue.append((page, target))
    return failures, visited


ACCOUNTS = ["anonymous"] + sorted(DEMO_ACCOUNTS)


def test_no_link_or_button_leads_to_an_error(base, sessions):
    def one(account):
        s = requests.Session() if account == "anonymous" else sessions[account]
        return account, crawl(base, s)

    # Sign every account in first (the sessions fixture is not shared across threads while it fills).
    for account in ACCOUNTS[1:]:
        sessions[account]
    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        results = dict(pool.map(one, ACCOUNTS))
    for account, (_, visited) in results.items():
        assert visited >= 3, f"{account}: only {visited} pages reached"
    failures = [f"{account}: {src} → {url} : {status}"
                for account, (fails, _) in results.items() for src, url, status in fails]
    assert not failures, "links or buttons that end on an error:\n" + "\n".join(failures)


def test_pattern_folds_ids_and_query_values():
    assert pattern("/contrats/12/parcours?page=2&tri=nom") == "/contrats/{id}/parcours?page&tri"
    assert pattern("/lieux/demo-ateliers-numeriques-crest") == "/lieux/{id}"
    assert pattern("/offres") == "/offres"
