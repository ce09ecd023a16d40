"""The migrations analyzer end to end: file discovery, runners, lines, parse errors, config."""

from __future__ import annotations

from dataclasses import replace

from reviewbot.analyzers.base import NullProgress
from reviewbot.analyzers.migrations.engine import MigrationAnalyzer, analyze_migration_source
from reviewbot.analyzers.migrations.rules.lock_without_timeout import LockWithoutTimeout
from reviewbot.config import Config, MigrationPath, MigrationsConfig
from reviewbot.core.changes import ChangeSet, FileChange, FileStatus
from reviewbot.core.findings import Severity


def codes(findings):
    return sorted((f.rule, f.line) for f in findings)


def run(path, text, **migrations):
    config = Config(migrations=MigrationsConfig(**migrations))
    return analyze_migration_source(path, text, config)


def test_statement_after_non_ascii_comment_is_reported_on_its_own_line():
    sql = "-- ajoute la colonne « montant » — très important\n\n/* é */ SET lock_timeout = '2s';\n\nCREATE INDEX ix ON payments (customer_id);\n"
    assert codes(run("migrations/0001_x.sql", sql)) == [("RB401", 5)]


def test_multi_line_statement_spans_from_first_to_last_line():
    sql = "SET lock_timeout = '2s';\nALTER TABLE payments\n  ADD COLUMN currency char(3)\n  NOT NULL;\n"
    [finding] = run("migrations/0001_x.sql", sql)
    assert (finding.rule, finding.span.line, finding.span.end_line) == ("RB403", 2, 4)


def test_unparsable_sql_is_rb901_with_parser_message_and_line():
    sql = "SET lock_timeout = '2s';\nSELECT 'é';\nALTER TABLE payments ADD COLUMN;\n"
    [finding] = run("migrations/0001_x.sql", sql)
    assert finding.rule == "RB901" and finding.line == 3
    assert "syntax error" in finding.message


def test_unparsable_sql_inside_alembic_execute_is_rb901_and_other_ops_still_checked():
    src = (
        "from alembic import op\n\n\ndef upgrade():\n"
        "    op.execute(\"SET lock_timeout = '2s'\")\n"
        "    op.execute(\"ALTER TABLE payments ADD COLUMN\")\n"
        "    op.create_index(\"ix\", \"payments\", [\"customer_id\"])\n"
    )
    assert codes(run("alembic/versions/1_x.py", src)) == [("RB401", 7), ("RB901", 6)]


def test_down_migrations_and_non_migration_sql_are_not_gated():
    sql = "DROP TABLE payments;\n"
    assert run("migrations/2024-01-01-000000_x/down.sql", sql) == []
    assert run("db/migrations/000001_x.down.sql", sql) == []
    assert run("reports/monthly.sql", sql) == []


def test_alembic_downgrade_is_not_gated():
    src = (
        "from alembic import op\n\n\ndef upgrade():\n    pass\n\n\n"
        "def downgrade():\n    op.drop_table(\"payments\")\n"
    )
    assert run("alembic/versions/1_x.py", src) == []


def test_django_reverse_sql_is_not_gated():
    src = (
        "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
        "    operations = [\n"
        "        migrations.RunSQL(\"SET lock_timeout = '2s'\", reverse_sql=\"DROP TABLE payments_payment\"),\n"
        "    ]\n"
    )
    assert run("payments/migrations/0002_x.py", src) == []


def test_drizzle_file_is_one_transaction_so_concurrently_fails():
    sql = "CREATE INDEX CONCURRENTLY ix ON payments (customer_id);\n"
    assert codes(run("drizzle/0003_x.sql", sql + "--> statement-breakpoint\n")) == [("RB402", 1)]


def test_diesel_metadata_run_in_transaction_false_allows_concurrently():
    sql = "CREATE INDEX CONCURRENTLY ix ON payments (customer_id);\n"
    path = "migrations/2024-01-01-000000_ix/up.sql"
    meta = {"migrations/2024-01-01-000000_ix/metadata.toml": "run_in_transaction = false\n"}
    config = Config()
    assert codes(analyze_migration_source(path, sql, config)) == [("RB402", 1)]
    assert analyze_migration_source(path, sql, config, read=meta.get) == []


def test_single_statement_golang_migrate_file_is_not_a_transaction():
    sql = "CREATE INDEX CONCURRENTLY ix ON payments (customer_id);\n"
    assert run("db/migrations/000007_ix.up.sql", sql) == []
    two = "SET lock_timeout = '2s';\n" + sql
    assert codes(run("db/migrations/000007_ix.up.sql", two)) == [("RB402", 2)]


def test_flyway_runs_a_concurrently_file_outside_a_transaction():
    sql = "SET lock_timeout = '2s';\nCREATE INDEX CONCURRENTLY ix ON payments (customer_id);\n"
    assert run("db/V7__payments_ix.sql", sql) == []


def test_configured_runner_overrides_layout_detection():
    sql = "CREATE INDEX CONCURRENTLY ix ON payments (customer_id);\n"
    paths = (MigrationPath(glob="sql/changes/*.sql", runner="drizzle"),)
    assert codes(run("sql/changes/0001_ix.sql", sql, paths=paths)) == [("RB402", 1)]
    ignored = (MigrationPath(glob="migrations/legacy/**", runner="ignore"),)
    assert run("migrations/legacy/0001.sql", "DROP TABLE payments;\n", paths=ignored) == []


def test_postgres_version_decides_constant_default_rewrite():
    sql = "SET lock_timeout = '2s';\nALTER TABLE payments ADD COLUMN currency char(3) DEFAULT 'EUR';\n"
    assert run("migrations/0001_x.sql", sql) == []
    assert codes(run("migrations/0001_x.sql", sql, postgres_version=10)) == [("RB404", 2)]


def test_now_default_is_not_volatile_but_clock_timestamp_is():
    base = "SET lock_timeout = '2s';\nALTER TABLE payments ADD COLUMN seen_at timestamptz DEFAULT {};\n"
    assert run("migrations/0001_x.sql", base.format("now()")) == []
    assert run("migrations/0001_x.sql", base.format("CURRENT_TIMESTAMP")) == []
    assert codes(run("migrations/0001_x.sql", base.format("clock_timestamp()"))) == [("RB404", 2)]


def test_enum_add_value_in_transaction_fails_before_pg12_only():
    sql = "BEGIN;\nALTER TYPE payment_status ADD VALUE 'disputed';\nCOMMIT;\n"
    assert run("migrations/0001_x.sql", sql) == []
    assert codes(run("migrations/0001_x.sql", sql, postgres_version=11)) == [("RB415", 2)]


def test_set_not_null_is_unsafe_before_pg12_even_with_validated_check():
    sql = (
        "SET lock_timeout = '2s';\n"
        "ALTER TABLE payments VALIDATE CONSTRAINT customer_nn;\n"
        "ALTER TABLE payments ALTER COLUMN customer_id SET NOT NULL;\n"
    )
    assert run("migrations/0001_x.sql", sql) == []
    assert codes(run("migrations/0001_x.sql", sql, postgres_version=11)) == [("RB406", 3)]


def test_timestamp_to_timestamptz_is_safe_only_under_utc_sessions():
    src = (
        "import sqlalchemy as sa\nfrom alembic import op\n\n\ndef upgrade():\n"
        "    op.execute(\"SET lock_timeout = '2s'\")\n"
        "    op.alter_column(\"payments\", \"captured_at\", type_=sa.DateTime(timezone=True), existing_type=sa.DateTime())\n"
    )
    assert codes(run("alembic/versions/1_x.py", src)) == [("RB405", 7)]
    assert run("alembic/versions/1_x.py", src, session_timezone_utc=True) == []


def test_lock_timeout_set_by_runner_silences_rb412():
    sql = "ALTER TABLE payments ADD COLUMN note text;\n"
    assert codes(run("migrations/0001_x.sql", sql)) == [("RB412", 1)]
    assert run("migrations/0001_x.sql", sql, lock_timeout_set_by_runner=True) == []


def test_lock_timeout_is_not_demanded_for_concurrent_or_validate_operations():
    sql = (
        "CREATE INDEX CONCURRENTLY ix ON payments (customer_id);\n"
        "ALTER TABLE payments VALIDATE CONSTRAINT fk;\n"
        "ALTER TYPE payment_status ADD VALUE 'disputed';\n"
    )
    assert run("migrations/0001_x.sql", sql) == []


def test_set_config_lock_timeout_counts_as_set():
    sql = "SELECT set_config('lock_timeout', '3s', false);\nALTER TABLE payments ADD COLUMN note text;\n"
    assert run("migrations/0001_x.sql", sql) == []


def test_every_finding_names_a_lock_or_failure_and_gives_framework_recipe():
    sql = "ALTER TABLE payments ADD COLUMN public_id uuid DEFAULT gen_random_uuid();\n"
    for finding in run("migrations/0001_x.sql", sql):
        assert "lock" in finding.message.lower()
        assert finding.help
    src = (
        "from alembic import op\n\n\ndef upgrade():\n"
        "    op.execute(\"SET lock_timeout = '2s'\")\n"
        "    op.create_index(\"ix\", \"payments\", [\"customer_id\"])\n"
    )
    [finding] = run("alembic/versions/1_x.py", src)
    assert "autocommit_block" in finding.help


def test_analyzer_reads_only_migration_files_from_the_change_set(tmp_path):
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "0001_ix.sql").write_text("SET lock_timeout = '2s';\nCREATE INDEX ix ON payments (a);\n")
    changes = ChangeSet(
        root=str(tmp_path),
        files=(
            FileChange("migrations/0001_ix.sql", FileStatus.ADDED),
            FileChange("app/charges.py", FileStatus.ADDED, text="def charge():\n    pass\n"),
            FileChange("migrations/0002_drop.sql", FileStatus.ADDED, text="DROP TABLE refunds;\n"),
        ),
    )
    result = MigrationAnalyzer().analyze(changes, Config(), NullProgress())
    assert result.name == "migrations" and result.files == 2
    assert sorted((f.path, f.rule) for f in result.findings) == [
        ("migrations/0001_ix.sql", "RB401"),
        ("migrations/0002_drop.sql", "RB411"),
        ("migrations/0002_drop.sql", "RB412"),
    ]


def test_tables_created_in_another_migration_of_the_change_set_can_count_as_new():
    changes = ChangeSet(
        root=".",
        files=(
            FileChange("migrations/0001_t.sql", FileStatus.ADDED, text="CREATE TABLE payouts (id bigint);\n"),
            FileChange("migrations/0002_ix.sql", FileStatus.ADDED, text="CREATE INDEX ix ON payouts (id);\n"),
        ),
    )
    config = Config()
    assert [f.rule for f in MigrationAnalyzer().analyze(changes, config, NullProgress()).findings] == ["RB401", "RB412"]
    config = replace(config, migrations=MigrationsConfig(tables_created_elsewhere_are_new=True))
    assert MigrationAnalyzer().analyze(changes, config, NullProgress()).findings == ()


def test_select_and_ignore_apply_to_migration_rules():
    sql = "ALTER TABLE payments DROP COLUMN legacy;\n"
    config = Config(ignore=("RB412",))
    assert [f.rule for f in analyze_migration_source("migrations/0001_x.sql", sql, config)] == ["RB411"]


def test_lock_without_timeout_is_a_warning_by_default_and_explains_the_runner_option():
    [finding] = run("migrations/0001_x.sql", "ALTER TABLE payments ADD COLUMN note text;\n")
    assert (finding.rule, finding.severity) == ("RB412", Severity.WARNING)
    assert "lock-timeout-set-by-runner = true" in LockWithoutTimeout.rationale
