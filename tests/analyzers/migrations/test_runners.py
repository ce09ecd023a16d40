"""Runners found from their own configuration and conventions, on realistic project layouts."""

from __future__ import annotations

import json

from tests.analyzers.migrations.project import Project, found, rules_on

CONCURRENT = "CREATE INDEX CONCURRENTLY ix_payments_customer ON payments (customer_id);\n"
TWO_STATEMENTS = "SET lock_timeout = '2s';\n" + CONCURRENT


def journal(*tags: str) -> str:
    entries = [{"idx": i, "version": "7", "when": 1714000000000 + i, "tag": t, "breakpoints": True}
               for i, t in enumerate(tags)]
    return json.dumps({"version": "7", "dialect": "postgresql", "entries": entries})


def test_diesel_toml_names_a_migrations_directory_outside_the_default_globs(tmp_path):
    project = Project(tmp_path).write({
        "diesel.toml": '[print_schema]\nfile = "src/schema.rs"\n\n[migrations_directory]\ndir = "schema/changes"\n',
        "schema/changes/2024-05-01-120000_payments_ix/up.sql": CONCURRENT,
        "schema/changes/2024-05-01-120000_payments_ix/down.sql": "DROP INDEX ix_payments_customer;\n",
        "schema/changes/2024-05-02-120000_refunds_ix/up.sql": CONCURRENT.replace("payments", "refunds"),
        "schema/changes/2024-05-02-120000_refunds_ix/metadata.toml": "run_in_transaction = false\n",
    })
    result = project.audit()
    # diesel wraps each up.sql in a transaction unless metadata.toml opts out; down.sql is not gated
    assert found(result) == [("schema/changes/2024-05-01-120000_payments_ix/up.sql", "RB402", 1)]
    assert any("schema/changes/ read as diesel: diesel.toml names schema/changes/" in n for n in result.notes)


def test_drizzle_config_out_and_journal_decide_which_files_drizzle_runs(tmp_path):
    project = Project(tmp_path).write({
        "drizzle.config.ts": 'import { defineConfig } from "drizzle-kit";\n\nexport default defineConfig({\n'
                             '  schema: "./src/db/schema.ts",\n  out: "./src/db/sql",\n  dialect: "postgresql",\n});\n',
        "src/db/sql/meta/_journal.json": journal("0000_payments_ix"),
        "src/db/sql/0000_payments_ix.sql": CONCURRENT,
        # written by hand next to drizzle's files; the journal does not list it, so drizzle never runs it
        "src/db/sql/0001_refunds_ix.sql": CONCURRENT.replace("payments", "refunds"),
    })
    result = project.audit()
    assert found(result) == [("src/db/sql/0000_payments_ix.sql", "RB402", 1)]
    assert any("1 file in src/db/sql/ read as drizzle: drizzle.config.ts sets out: ./src/db/sql" in n
               for n in result.notes)
    stray = [n for n in result.notes if "read as psql" in n]
    assert stray and "_journal.json does not list the file, so drizzle never runs it" in stray[0]


def test_stray_sql_in_a_drizzle_folder_is_a_psql_script_even_with_breakpoints(tmp_path):
    # The shape of a project whose journal lists almost none of the folder's files.
    sql = "CREATE INDEX CONCURRENTLY ix_invoices_team ON invoices (team_id);\n--> statement-breakpoint\n" \
          "CREATE INDEX CONCURRENTLY ix_invoices_due ON invoices (due_date);\n"
    project = Project(tmp_path).write({
        "packages/db/migrations/meta/_journal.json": journal("0000_silly_sage"),
        "packages/db/migrations/0026_add_invoice_indexes.sql": sql,
    })
    assert rules_on(project.audit(), "packages/db/migrations/0026_add_invoice_indexes.sql") == []


def test_flyway_conf_locations_and_execute_in_transaction(tmp_path):
    project = Project(tmp_path).write({
        "flyway.conf": "flyway.url=jdbc:postgresql://localhost/payments\nflyway.locations=filesystem:database/changes\n",
        "database/changes/V2__payments_fee.sql": "ALTER TABLE payments ADD COLUMN fee_minor bigint NOT NULL;\n",
        "database/changes/notes.sql": "DROP TABLE payments;\n",  # not a Flyway name: Flyway never runs it
    })
    result = project.audit()
    assert found(result) == [("database/changes/V2__payments_fee.sql", "RB403", 1),
                             ("database/changes/V2__payments_fee.sql", "RB412", 1)]
    assert any("database/changes/ read as flyway: flyway.conf lists it in locations" in n for n in result.notes)


def test_flyway_toml_without_transactions_allows_concurrently(tmp_path):
    project = Project(tmp_path).write({
        "flyway.toml": '[environments.default]\nurl = "jdbc:postgresql://localhost/payments"\n\n'
                       '[flyway]\nlocations = ["filesystem:sql"]\nexecuteInTransaction = false\n',
        "sql/V3__payments_ix.sql": TWO_STATEMENTS,
    })
    assert found(project.audit()) == []


def test_dbmate_checks_only_the_up_section_and_honours_transaction_false(tmp_path):
    down = "\n-- migrate:down\nDROP TABLE refunds;\n"
    project = Project(tmp_path).write({
        "db/migrations/20240501120000_payments_ix.sql": "-- migrate:up\n" + TWO_STATEMENTS + down,
        "db/migrations/20240502120000_refunds_ix.sql": "-- migrate:up transaction:false\n" + TWO_STATEMENTS + down,
    })
    result = project.audit()
    assert found(result) == [("db/migrations/20240501120000_payments_ix.sql", "RB402", 3)]
    assert any("read as dbmate: -- migrate:up section (dbmate)" in n for n in result.notes)


def test_sqitch_deploy_scripts_are_psql_and_revert_scripts_are_not_gated(tmp_path):
    project = Project(tmp_path).write({
        "sqitch.conf": "[core]\n\tengine = pg\n",
        "sqitch.plan": "%syntax-version=1.0.0\n%project=payments\n\npayments_ix 2024-05-01T12:00:00Z Dana <d@x>\n",
        "deploy/payments_ix.sql": "BEGIN;\n" + CONCURRENT + "COMMIT;\n",
        "deploy/refunds_ix.sql": CONCURRENT.replace("payments", "refunds"),
        "revert/payments_ix.sql": "DROP TABLE payments;\n",
        "verify/payments_ix.sql": "SELECT 1/count(*) FROM pg_indexes WHERE indexname = 'ix_payments_customer';\n",
    })
    result = project.audit()
    assert found(result) == [("deploy/payments_ix.sql", "RB402", 2)]
    assert any("deploy/ read as sqitch" in n for n in result.notes)


def test_atlas_runs_each_file_in_a_transaction_unless_txmode_none(tmp_path):
    project = Project(tmp_path).write({
        "atlas.hcl": 'env "prod" {\n  url = getenv("DATABASE_URL")\n  migration {\n    dir = "file://schema/migrations"\n  }\n}\n',
        "schema/migrations/20240501120000_payments_ix.sql": CONCURRENT,
        "schema/migrations/20240502120000_refunds_ix.sql": "-- atlas:txmode none\n\n" + CONCURRENT,
        "schema/migrations/atlas.sum": "h1:abc=\n",
    })
    assert found(project.audit()) == [("schema/migrations/20240501120000_payments_ix.sql", "RB402", 1)]


def test_prisma_and_golang_migrate_conventions(tmp_path):
    project = Project(tmp_path).write({
        "prisma/migrations/migration_lock.toml": 'provider = "postgresql"\n',
        "prisma/migrations/20240501120000_payments_ix/migration.sql": TWO_STATEMENTS,
        "db/migrations/000007_refunds_ix.up.sql": CONCURRENT.replace("payments", "refunds"),
    })
    result = project.audit()
    # Prisma sends a multi-statement file as one implicit transaction; one statement is not in one
    assert found(result) == [("prisma/migrations/20240501120000_payments_ix/migration.sql", "RB402", 2)]
    assert any("prisma/migrations/ read as prisma" in n for n in result.notes)
    assert any("db/migrations/ read as golang-migrate" in n for n in result.notes)


def test_plain_psql_folder_is_autocommit_except_between_begin_and_commit(tmp_path):
    project = Project(tmp_path).write({
        "sql/migrations/001_payments_ix.sql": TWO_STATEMENTS,
        "sql/migrations/002_refunds_ix.sql": "BEGIN;\n" + CONCURRENT.replace("payments", "refunds") + "COMMIT;\n",
    })
    result = project.audit()
    assert found(result) == [("sql/migrations/002_refunds_ix.sql", "RB402", 2)]
    assert any("sql/migrations/ read as psql: in a migrations folder" in n for n in result.notes)


def test_configured_runner_still_respects_the_drizzle_journal(tmp_path):
    project = Project(tmp_path).write({
        "pyproject.toml": '[tool.reviewbot.migrations]\n\n[[tool.reviewbot.migrations.paths]]\n'
                          'glob = "schema/*.sql"\nrunner = "drizzle"\n',
        "schema/meta/_journal.json": journal("0000_payments_ix"),
        "schema/0000_payments_ix.sql": CONCURRENT,
        "schema/0001_refunds_ix.sql": CONCURRENT.replace("payments", "refunds"),
    })
    from reviewbot.config import load_config

    result = project.audit(load_config(tmp_path))
    assert found(result) == [("schema/0000_payments_ix.sql", "RB402", 1)]
