"""The command line: help, usage errors (one line, exit 2), migrate, user add, token create, journal verify."""
import os
import re

import pytest
import requests

from conftest import run_cli, sql, unique_email

COMMANDS = [["serve"], ["migrate"], ["seed"], ["user", "add"], ["token", "create"], ["journal", "verify"],
            ["check-config"], ["places", "geocode"]]


def one_line(stderr):
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got: {stderr!r}"
    return lines[0]


def test_top_level_help():
    r = run_cli("--help", database=False)
    assert r.returncode == 0, r.stderr
    for cmd in COMMANDS:
        assert " ".join(cmd) in r.stdout


@pytest.mark.parametrize("cmd", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_command_help(cmd):
    r = run_cli(*cmd, "--help", database=False)
    assert r.returncode == 0, r.stderr
    assert "usage: tremplin " + " ".join(cmd) in r.stdout
    assert r.stderr == ""


def test_no_command_is_a_usage_error():
    r = run_cli(database=False)
    assert r.returncode == 2


@pytest.mark.parametrize("args,mentions", [
    (["frobnicate"], "frobnicate"),
    (["user", "frobnicate"], "user"),
    (["check-config", "--listen", "nonsense"], "listen"),
    (["check-config", "--listen", "127.0.0.1:99999"], "listen"),
    (["check-config", "--database", "mysql://x"], "database"),
    (["check-config", "--config", "/missing.ini"], "/missing.ini"),
    (["check-config", "--config"], "--config"),
    (["seed", "--bogus"], "--bogus"),
    (["migrate", "extra"], "extra"),
    (["journal", "verify", "extra"], "extra"),
    (["check-config", "--threads", "3"], "--threads"),
    (["user", "add", "x@exemple.fr", "--bogus"], "bogus"),
    (["user", "add", "x@exemple.fr"], "usage"),  # no --role
    (["token", "create"], "usage"),
    (["places", "geocode", "--limit", "0"], "--limit"),
    (["places", "geocode"], "geocoder"),  # none configured
])
def test_usage_errors_exit_2_with_one_line(args, mentions):
    r = run_cli(*args, database=False)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert mentions in one_line(r.stderr)


@pytest.mark.parametrize("content,mentions", [
    ("[server]\nfrobnicate = 1\n", "frobnicate"),
    ("[nowhere]\nlisten = 127.0.0.1:1\n", "nowhere"),
    ("[server]\nthreads = many\n", "threads"),
    ("[server]\nbehind_tls = perhaps\n", "behind_tls"),
    ("[server]\nbase_url = ftp://x\n", "base_url"),
    ("[mail]\nsmtp_url = http://x\n", "smtp_url"),
    ("[geocoder]\nurl = ftp://x\n", "geocoder.url"),
    ("[geocoder]\nmin_score = 101\n", "min_score"),
    ("not an ini file\n", "syntax"),
])
def test_bad_configuration_file_exits_2_with_one_line(workdir, content, mentions):
    path = os.path.join(workdir, f"bad-{abs(hash(content))}.ini")
    with open(path, "w") as f:
        f.write(content)
    r = run_cli("check-config", "--config", path, database=False)
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert mentions in one_line(r.stderr)


def test_check_config_accepts_the_test_configuration(config_path):
    r = run_cli("check-config", config=config_path)
    assert r.returncode == 0, r.stderr
    assert "configuration ok" in r.stdout


def test_serve_with_a_bad_configuration_exits_2(workdir):
    path = os.path.join(workdir, "serve-bad.ini")
    with open(path, "w") as f:
        f.write("[server]\nunknown_key = 1\n")
    r = run_cli("serve", "--config", path, "--listen", "127.0.0.1:1", timeout=30)
    assert r.returncode == 2
    assert "unknown_key" in one_line(r.stderr)


def test_migrate_twice_is_fine(server):
    for _ in range(2):
        r = run_cli("migrate")
        assert r.returncode == 0, r.stderr
        assert re.search(r"schema version \d+", r.stdout)


def test_seed_again_is_fine(server, config_path):
    r = run_cli("seed", "--demo", config=config_path, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "admin@demo.tremplin.fr" in r.stdout


# ---------------------------------------------------------------------------------------------
# Accounts and tokens from the command line


def test_user_add_with_password_then_sign_in(base, login):
    email = unique_email("cli")
    r = run_cli("user", "add", email, "--role", "candidate", "--name", "Zoé Ligne-de-commande", "--password-stdin",
                input="un mot de passe solide\n")
    assert r.returncode == 0, r.stderr
    assert email in r.stdout
    s = login(email, "un mot de passe solide")
    assert 'href="/compte">Zoé Ligne-de-commande<' in s.get(base + "/").text
    assert sql(f"SELECT m.role FROM memberships m JOIN people p ON p.id = m.person_id WHERE p.email = '{email}'") \
        == "candidate"


def test_user_add_without_password_sends_an_invitation(server, config_path, wait_mail):
    email = unique_email("cliinv")
    r = run_cli("user", "add", email, "--role", "viewer", config=config_path)
    assert r.returncode == 0, r.stderr
    body = wait_mail(email, "tremplin")
    assert f"{server.base}/invitation/" in body


@pytest.mark.parametrize("args,mentions", [
    (["--role", "emperor"], "role"),
    (["--role", "regional"], "regions"),  # a regional role needs its regions
    (["--role", "regional", "--region", "99"], "99"),
    (["--role", "employer"], "organisation_id"),
])
def test_user_add_invalid_exits_2_naming_the_field(server, args, mentions):
    r = run_cli("user", "add", unique_email("bad"), *args, "--password-stdin", input="un mot de passe solide\n")
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert mentions in r.stderr


def test_user_add_duplicate_email_exits_2(server):
    r = run_cli("user", "add", "ADMIN@demo.tremplin.fr", "--role", "viewer", "--password-stdin",
                input="un mot de passe solide\n")
    assert r.returncode == 2
    assert "email" in r.stderr


def test_user_add_short_password_exits_2(server):
    r = run_cli("user", "add", unique_email("short"), "--role", "viewer", "--password-stdin", input="court\n")
    assert r.returncode == 2
    assert "12" in r.stderr


def test_token_create_prints_a_working_token(base):
    r = run_cli("token", "create", "pilotage@demo.tremplin.fr", "export")
    assert r.returncode == 0, r.stderr
    token = r.stdout.strip()
    assert re.fullmatch(r"trp_[A-Za-z0-9_-]{20,}", token), token
    r = requests.get(base + "/api/v1/tokens", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    mine = [t for t in r.json()["items"] if t["prefix"] == token[:10]]  # only the account's own tokens are listed
    assert [t["name"] for t in mine] == ["export"]
    assert sql(f"SELECT p.email FROM api_tokens t JOIN people p ON p.id = t.person_id WHERE t.prefix = '{token[:10]}'") \
        == "pilotage@demo.tremplin.fr"


def test_token_create_unknown_account_exits_2(server):
    r = run_cli("token", "create", "personne@exemple.fr")
    assert r.returncode == 2
    assert one_line(r.stderr)


# ---------------------------------------------------------------------------------------------
# The journal's hash chain


def test_journal_verify_intact():
    r = run_cli("journal", "verify")
    assert r.returncode == 0, r.stderr
    assert "chain intact" in r.stdout


def test_journal_verify_names_an_altered_entry(server):
    n = int(sql("SELECT COUNT(*) FROM journal"))
    assert n >= 3, "the demo seed writes journal entries"
    victim = 2
    sql(f"UPDATE journal SET action = action || 'x' WHERE id = {victim}")
    try:
        r = run_cli("journal", "verify")
        assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
        assert f"entry {victim}" in r.stderr
        assert "chain intact" not in r.stdout
    finally:
        sql(f"UPDATE journal SET action = substr(action, 1, length(action) - 1) WHERE id = {victim}")
    r = run_cli("journal", "verify")
    assert r.returncode == 0, r.stderr


def test_journal_verify_names_a_broken_link(server):
    victim = 3
    old = sql(f"SELECT prev_hash FROM journal WHERE id = {victim}")
    sql(f"UPDATE journal SET prev_hash = '{'0' * 64}' WHERE id = {victim}")
    try:
        r = run_cli("journal", "verify")
        assert r.returncode == 1
        assert f"entry {victim}" in r.stderr
    finally:
        sql(f"UPDATE journal SET prev_hash = '{old}' WHERE id = {victim}")
    assert run_cli("journal", "verify").returncode == 0
