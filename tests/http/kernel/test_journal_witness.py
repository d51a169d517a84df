"""The journal witnessed from outside (issue 17, item 4): the job journal_publish publishes the journal's head once a
day, as an Atom feed (/journal/atom.xml) and a dated text file (/journal/YYYY-MM-DD.txt), both public; `tremplin
journal verify --against FILE` checks a saved file against the database. (Rewriting an old entry and its whole chain
after publication is caught: tests/unit/kernel/test_journal.c, t_witness, on both engines.)"""
import os
import re
import xml.etree.ElementTree as ET

import requests

from conftest import run_cli, unique

ATOM = "{http://www.w3.org/2005/Atom}"


def test_published_heads_feed_file_and_verify_against(base, workdir):
    r = run_cli("jobs", "run")
    assert r.returncode == 0, r.stderr
    feed = requests.get(base + "/journal/atom.xml")
    assert feed.status_code == 200
    assert feed.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(feed.content)
    entries = root.findall(ATOM + "entry")
    assert entries, feed.text
    href = entries[0].find(ATOM + "link").get("href")
    day = re.search(r"/journal/(\d{4}-\d{2}-\d{2})\.txt$", href).group(1)

    head = requests.get(base + f"/journal/{day}.txt")
    assert head.status_code == 200 and head.headers["content-type"].startswith("text/plain")
    assert head.text.startswith("tremplin journal head\n") and f"day: {day}\n" in head.text
    seq = int(re.search(r"^seq: (\d+)$", head.text, re.M).group(1))
    assert f"entrée {seq} : " in feed.text
    assert requests.get(base + "/journal/1999-01-01.txt").status_code == 404
    assert requests.get(base + "/journal/rien").status_code == 404

    saved = os.path.join(workdir, unique("head-") + ".txt")
    with open(saved, "w") as f:
        f.write(head.text)
    v = run_cli("journal", "verify", "--against", saved)
    assert v.returncode == 0, v.stderr
    assert f"entry {seq} matches the published head" in v.stdout

    # A head that was never published (another hash for the same entry) is refused, naming the entry.
    forged = re.sub(r"^hash: [0-9a-f]{64}$", "hash: " + "ab" * 32, head.text, flags=re.M)
    with open(saved, "w") as f:
        f.write(forged)
    v = run_cli("journal", "verify", "--against", saved)
    assert v.returncode == 1 and f"broken at entry {seq}" in v.stderr, v.stderr
    with open(saved, "w") as f:
        f.write("pas une empreinte\n")
    v = run_cli("journal", "verify", "--against", saved)
    assert v.returncode == 1 and "not a published head" in v.stderr
