"""`reviewbot audit hotfix.sql`: a .sql file named on the command line is always checked."""

from __future__ import annotations

import json

HOTFIX = "CREATE INDEX ix_payments_customer ON payments (customer_id);\n"


def test_named_sql_file_outside_every_migration_glob_is_checked_as_psql(tmp_path, cli):
    (tmp_path / "ops").mkdir()
    (tmp_path / "ops" / "hotfix.sql").write_text(HOTFIX, encoding="utf-8")
    result = cli(["audit", "ops/hotfix.sql", "--tools", "none", "--format", "json", "-q"], tmp_path)
    assert result.exit_code == 1
    assert [(f["path"], f["rule"]) for f in json.loads(result.stdout)["findings"]] == [
        ("ops/hotfix.sql", "RB401"), ("ops/hotfix.sql", "RB412")]
    assert "ops/ read as psql: named on the command line" in result.stderr


def test_unnamed_sql_outside_migration_folders_is_named_in_a_note_not_passed_silently(tmp_path, cli):
    (tmp_path / "ops").mkdir()
    (tmp_path / "ops" / "hotfix.sql").write_text(HOTFIX, encoding="utf-8")
    result = cli(["audit", ".", "--tools", "none"], tmp_path)
    assert result.exit_code == 0
    assert "1 .sql file not checked as migrations" in result.stdout and "ops/hotfix.sql" in result.stdout


def test_named_rollback_is_checked_because_it_was_asked_for(tmp_path, cli):
    target = tmp_path / "migrations" / "2024-05-01-120000_payments" / "down.sql"
    target.parent.mkdir(parents=True)
    target.write_text("DROP TABLE payments;\n", encoding="utf-8")
    unnamed = cli(["audit", ".", "--tools", "none", "--format", "json", "-q"], tmp_path)
    assert json.loads(unnamed.stdout)["findings"] == []
    named = cli(["audit", str(target.relative_to(tmp_path)), "--tools", "none", "--format", "json", "-q"], tmp_path)
    assert "RB411" in {f["rule"] for f in json.loads(named.stdout)["findings"]}


def test_baseline_of_a_named_file_records_its_findings(tmp_path, cli):
    (tmp_path / "hotfix.sql").write_text(HOTFIX, encoding="utf-8")
    recorded = cli(["baseline", "hotfix.sql", "--tools", "none", "-q"], tmp_path)
    assert "recorded 2 findings" in recorded.stderr
    again = cli(["audit", "hotfix.sql", "--tools", "none", "-q"], tmp_path)
    assert again.exit_code == 0
