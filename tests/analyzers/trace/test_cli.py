"""`reviewbot trace`, `diff --trace` and `review --dry-run --trace` from the command line."""

from __future__ import annotations

import json

from tests.analyzers.trace.conftest import ROWS

SCHEMA = "CREATE TABLE payments (id bigint PRIMARY KEY, amount_minor bigint NOT NULL, status text NOT NULL);\n"


def repo_with_change(repo, change):
    repo.write("migrations/0001_payments.sql", SCHEMA)
    base = repo.commit("base")
    for path, text in change.items():
        repo.write(path, text)
    head = repo.commit("change")
    return base, head


def test_trace_command_prints_each_statement_then_the_findings(cli, repo, postgres):
    base, head = repo_with_change(repo, {"migrations/0002_amount.sql":
                                         "ALTER TABLE payments ALTER COLUMN amount_minor TYPE numeric(20, 0);\n"})
    result = cli(["trace", "--base", base, "--head", head, "--postgres", postgres.conninfo, "--rows", str(ROWS)],
                 repo.path)
    assert result.exit_code == 1, result.stderr
    out = result.stdout
    assert out.startswith("Trace on PostgreSQL ")
    assert "migrations/0002_amount.sql (psql)" in out
    assert "ACCESS EXCLUSIVE on payments" in out and "rewrote payments" in out
    assert "payments: reads and writes waited" in out
    assert "RB405" in out and "— confirmed, measured on PostgreSQL" in out
    assert "RB412" in out  # no lock_timeout


def test_diff_trace_json_carries_the_trace_in_stats(cli, repo, postgres):
    base, head = repo_with_change(repo, {"migrations/0002_index.sql": "CREATE INDEX ix ON payments (status);\n"})
    result = cli(["diff", "--base", base, "--head", head, "--tools", "none", "--format", "json", "--trace",
                  "--postgres", postgres.conninfo, "--trace-rows", str(ROWS)], repo.path)
    assert result.exit_code == 1, result.stderr
    data = json.loads(result.stdout)
    trace = data["stats"]["trace"]
    (migration,) = trace["migrations"]
    (stmt,) = migration["statements"]
    assert {"relation": "payments", "table": "payments", "kind": "table", "mode": "SHARE", "existed": True} in stmt["locks"]
    assert stmt["probes"] == [{"table": "payments", "read_blocked": False, "write_blocked": True}]
    assert trace["seeded"]["payments"] == ROWS
    (finding,) = [f for f in data["findings"] if f["rule"] == "RB401"]
    assert finding["confidence"] == "high" and "confirmed" in finding["message"]


def test_trace_options_need_trace(cli, repo):
    base, head = repo_with_change(repo, {"migrations/0002_index.sql": "CREATE INDEX ix ON payments (status);\n"})
    result = cli(["diff", "--base", base, "--head", head, "--postgres", "postgresql://x"], repo.path)
    assert result.exit_code == 2 and "--postgres and --trace-rows go with --trace" in result.stderr


def test_trace_of_a_change_without_migrations_says_so(cli, repo, postgres):
    base, head = repo_with_change(repo, {"app/refunds.py": "def refund_minor(amount_minor: int) -> int:\n    return amount_minor\n"})
    result = cli(["trace", "--base", base, "--head", head, "--postgres", postgres.conninfo], repo.path)
    assert result.exit_code == 0
    assert "no migration in this change was replayed" in result.stderr


def test_review_dry_run_with_trace_shows_the_evidence_in_the_comment(cli, repo, postgres):
    base, head = repo_with_change(repo, {"migrations/0002_index.sql": "CREATE INDEX ix ON payments (status);\n"})
    result = cli(["review", "--dry-run", "--base", base, "--head", head, "--tools", "none", "--trace",
                  "--postgres", postgres.conninfo, "--trace-rows", str(ROWS)], repo.path)
    assert result.exit_code == 1, result.stderr
    assert "inline comment on migrations/0002_index.sql:1" in result.stdout
    assert "— confirmed, measured on PostgreSQL" in result.stdout
    assert "trace: 1 migration(s), 1 statement(s) replayed" in result.stdout
