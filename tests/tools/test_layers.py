"""Tests of tools/layers.py, the layering check: small fixture trees with one bad include each must fail (with
the file and line named), a good one must pass, and a copy of the real src/ must pass untouched and fail once a
header of web/ is included from http/."""
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHECK = os.path.join(ROOT, "tools", "layers.py")

# A small tree that keeps every rule: each layer includes itself and the layers below; capability folders
# include kernel and one another without a cycle.
GOOD = {
    "core/str.h": "",
    "core/str.c": '#include "core/str.h"\n',
    "store/db.h": '#include "core/str.h"\n',
    "model/kernel/entity.h": '#include "core/str.h"\n',
    "model/accounts/role.h": '#include "model/kernel/entity.h"\n',
    "domain/kernel/ctx.h": '#include "store/db.h"\n#include "model/kernel/entity.h"\n',
    "domain/candidates/candidate.h": '#include "domain/kernel/ctx.h"\n',
    "domain/recruitment/offer.c": '#include "domain/candidates/candidate.h"\n#include <stdio.h>\n',
    "domain/jobs/jobs.c": '#include "domain/recruitment/offer.h"\n',  # a missing header is not checked
    "demo/demo.c": '#include "domain/candidates/candidate.h"\n',
    "http/request.h": '#include "domain/kernel/ctx.h"\n',
    "web/web.h": '#include "http/request.h"\n',
    "web/places/places.c": '#include "web/web.h"\n#include "model/accounts/role.h"\n',
    "api/api.h": '#include "http/request.h"\n',
    "app/routes.c": '#include "web/web.h"\n#include "api/api.h"\n',
    "main.c": '#include "app/routes.h"\n#include "demo/demo.h"\n#include "core/str.h"\n',
    "app/routes.h": "",
    "demo/demo.h": "",
}


def make_tree(base, files):
    for rel, text in files.items():
        path = os.path.join(base, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    return str(base)


def run(src):
    return subprocess.run([sys.executable, CHECK, src], capture_output=True, text=True, timeout=60)


def with_change(tmp_path, rel, text):
    files = dict(GOOD)
    files[rel] = files.get(rel, "") + text
    return make_tree(tmp_path / "src", files)


def test_good_tree_passes(tmp_path):
    r = run(make_tree(tmp_path / "src", GOOD))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0 violation(s)" in r.stdout


@pytest.mark.parametrize("rel, text, expected", [
    # up the layers
    ("core/str.c", '#include "domain/kernel/ctx.h"\n', "core/str.c:2: includes domain/kernel/ctx.h: core (rank 0)"),
    ("model/kernel/entity.h", '#include "store/db.h"\n', "model/kernel/entity.h:2: includes store/db.h: model and"
                                                          " store are side by side"),
    ("model/accounts/role.h", '#include "domain/kernel/ctx.h"\n', "model/accounts/role.h:2: includes"
                                                                   " domain/kernel/ctx.h: model (rank 1)"),
    ("domain/recruitment/offer.c", '#  include "http/request.h"\n', "domain/recruitment/offer.c:3: includes"
                                                                     " http/request.h: domain (rank 2)"),
    ("http/request.h", '#include "web/web.h"\n', "http/request.h:2: includes web/web.h: http (rank 3)"),
    ("demo/demo.c", '#include "http/request.h"\n', "demo and http are side by side"),
    ("api/api.h", '#include "web/web.h"\n', "api/api.h:2: includes web/web.h: api and web are side by side"),
    ("web/places/places.c", '#include "app/routes.h"\n', "web (rank 4) may not use app (rank 5)"),
    ("app/routes.c", '#include "main.c"\n', "app (rank 5) may not use main.c (rank 6)"),
    # kernel is the bottom of its layer
    ("domain/kernel/ctx.h", '#include "domain/candidates/candidate.h"\n', "domain/kernel includes"
                                                                           " domain/candidates/candidate.h"),
    # a folder the check does not know
    ("tools/x.c", '#include "core/str.h"\n', "tools/ is not a known layer"),
])
def test_bad_include_fails(tmp_path, rel, text, expected):
    r = run(with_change(tmp_path, rel, text))
    assert r.returncode == 1, r.stdout
    assert expected in r.stdout, r.stdout


def test_cycle_between_capability_folders_fails(tmp_path):
    src = with_change(tmp_path, "domain/candidates/candidate.h", '#include "domain/recruitment/offer.h"\n')
    make_tree(tmp_path / "src", {"domain/recruitment/offer.h": ""})
    r = run(src)
    assert r.returncode == 1, r.stdout
    assert ("cycle between capability folders of domain/: candidates, recruitment: candidates -> recruitment"
            " (domain/candidates/candidate.h:2); recruitment -> candidates (domain/recruitment/offer.c:1)") in r.stdout


def test_longer_cycle_fails(tmp_path):
    files = dict(GOOD)
    files.update({
        "web/a/a.c": '#include "web/b/b.h"\n', "web/b/b.h": '#include "web/c/c.h"\n',
        "web/c/c.h": '#include "web/a/a.h"\n', "web/a/a.h": "",
    })
    r = run(make_tree(tmp_path / "src", files))
    assert r.returncode == 1
    assert "cycle between capability folders of web/: a, b, c" in r.stdout


def test_includes_inside_one_folder_are_free(tmp_path):
    r = run(make_tree(tmp_path / "src", dict(GOOD, **{
        "domain/places/place.h": '#include "domain/places/place_store.h"\n',
        "domain/places/place_store.h": '#include "domain/places/place.h"\n',
    })))
    assert r.returncode == 0, r.stdout


def test_an_empty_folder_fails(tmp_path):
    (tmp_path / "src").mkdir()
    r = run(str(tmp_path / "src"))
    assert r.returncode == 1 and "no include found" in r.stdout


def test_the_real_tree_passes_and_a_bad_include_in_a_copy_fails(tmp_path):
    copy = tmp_path / "src"
    shutil.copytree(os.path.join(ROOT, "src"), copy)
    r = run(str(copy))
    assert r.returncode == 0, r.stdout
    router = copy / "http" / "router.c"
    router.write_text(router.read_text(encoding="utf-8") + '#include "web/web.h"\n', encoding="utf-8")
    r = run(str(copy))
    assert r.returncode == 1
    assert "http/router.c:" in r.stdout and "includes web/web.h: http (rank 3) may not use web (rank 4)" in r.stdout
