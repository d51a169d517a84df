"""The register of processing activities (/donnees-personnelles, public) lists the retention periods from the rules the
job retention_apply runs (domain/kernel/retention.c), and `tremplin jobs run` applies them: a sign-in failure older
than a day is gone, a recent one stays, and the journal says what was removed."""
import requests

from conftest import run_cli, sql, sql_int


def test_register_lists_the_retention_rules(base):
    r = requests.get(base + "/donnees-personnelles")
    assert r.status_code == 200
    assert "Durées de conservation" in r.text
    assert "<td>Échecs de connexion (adresse électronique ou adresse IP essayée, date)</td><td>1 jour</td>" in r.text
    assert "<td>Courriels envoyés (destinataire, objet, texte)</td><td>90 jours après leur envoi</td>" in r.text


def test_jobs_run_applies_the_retention_rules(base):
    sql("INSERT INTO login_failures (key, at) VALUES ('ip:203.0.113.9', 1000), ('ip:203.0.113.9', 4102444800)")
    before = sql_int("SELECT COUNT(*) FROM journal WHERE entity = 'retention'")
    r = run_cli("jobs", "run")
    assert r.returncode == 0, r.stderr
    assert sql_int("SELECT COUNT(*) FROM login_failures WHERE key = 'ip:203.0.113.9'") == 1
    assert sql_int("SELECT COUNT(*) FROM journal WHERE entity = 'retention'") == before + 1
    assert "login_failures" in sql("SELECT detail FROM journal WHERE entity = 'retention' ORDER BY id DESC LIMIT 1")
