"""What runs inside a SQL migration: DO block bodies, templated files, statement order."""

from __future__ import annotations

import pytest

from reviewbot.analyzers.migrations.engine import analyze_migration_source
from reviewbot.analyzers.migrations.model import OpKind
from reviewbot.analyzers.migrations.sql import may_add_enum_value, parse_sql_operations
from reviewbot.config import Config
from tests.analyzers.migrations.project import Project, found

DRIZZLE_FK = (
    'DO $$ BEGIN\n'
    ' ALTER TABLE "refunds" ADD CONSTRAINT "refunds_charge_id_charges_id_fk" FOREIGN KEY ("charge_id") '
    'REFERENCES "public"."charges"("id") ON DELETE cascade ON UPDATE no action;\n'
    'EXCEPTION\n'
    ' WHEN duplicate_object THEN null;\n'
    'END $$;\n'
)


def codes(path, sql):
    return sorted((f.rule, f.line) for f in analyze_migration_source(path, sql, Config()))


def test_foreign_key_inside_a_drizzle_do_block_is_checked_on_its_own_line():
    sql = "SET lock_timeout = '2s';\n--> statement-breakpoint\n" + DRIZZLE_FK
    assert codes("drizzle/0007_refunds_fk.sql", sql) == [("RB407", 4)]


def test_do_block_on_a_table_created_earlier_in_the_migration_is_silent():
    sql = ('CREATE TABLE "refunds" ("id" bigserial PRIMARY KEY, "charge_id" bigint NOT NULL);\n'
           "--> statement-breakpoint\n" + DRIZZLE_FK)
    assert codes("drizzle/0007_refunds.sql", sql) == []


def test_guarded_ddl_and_constant_execute_strings_inside_do_are_checked():
    sql = (
        "SET lock_timeout = '2s';\n"
        "DO $body$\n"
        "BEGIN\n"
        "  IF NOT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'ix_payments_customer') THEN\n"
        "    CREATE INDEX ix_payments_customer ON payments (customer_id);\n"
        "  END IF;\n"
        "  EXECUTE 'ALTER TABLE payments DROP COLUMN legacy_status';\n"
        "  EXECUTE format('DROP TABLE %I', 'payments_' || to_char(now(), 'YYYY'));\n"
        "END\n"
        "$body$;\n"
    )
    assert codes("migrations/0042_payments.sql", sql) == [("RB401", 5), ("RB411", 7)]


def test_concurrently_inside_a_do_block_fails_even_without_a_transaction():
    sql = "DO $$ BEGIN\n  CREATE INDEX CONCURRENTLY ix_refunds_charge ON refunds (charge_id);\nEND $$;\n"
    [finding] = analyze_migration_source("migrations/0042_refunds_ix.sql", sql, Config(),
                                         rule_types=_rule("RB402"))
    assert finding.line == 2 and "DO block" in finding.message


def test_backfill_and_ddl_inside_one_do_block_share_its_transaction():
    sql = (
        "SET lock_timeout = '2s';\n"
        "DO $$ BEGIN\n"
        "  ALTER TABLE payments ADD COLUMN currency char(3);\n"
        "  UPDATE payments SET currency = 'EUR';\n"
        "END $$;\n"
    )
    # psql runs every statement in its own transaction, but a DO block is one statement
    assert ("RB413", 4) in codes("migrations/0042_currency.sql", sql)


def test_do_block_that_is_not_plpgsql_or_does_not_parse_is_not_a_crash():
    sql = ("DO LANGUAGE plpython3u $$ plpy.execute('DROP TABLE payments') $$;\n"
           "DO $$ BEGIN this is not pl/pgsql; END $$;\n")
    assert codes("migrations/0042_odd.sql", sql) == []


def test_templated_sql_is_a_note_not_a_blocking_rb901(tmp_path):
    project = Project(tmp_path).write({
        "db/migrations/000001_payments.up.sql": "CREATE TABLE {{.Schema}}.payments (id bigint PRIMARY KEY);\n",
        "db/migrations/000002_payments_ix.up.sql": "CREATE INDEX ix_customer ON {{ .Schema }}.payments (customer_id);\n",
        "db/migrations/000003_refunds.up.sql": "ALTER TABLE refunds DROP COLUMN legacy;\n",
    })
    result = project.audit()
    assert found(result) == [("db/migrations/000003_refunds.up.sql", "RB411", 1),
                             ("db/migrations/000003_refunds.up.sql", "RB412", 1)]
    [note] = [n for n in result.notes if "not analysed" in n]
    assert "2 files in db/migrations/ not analysed" in note and "text/template" in note
    assert "000001_payments.up.sql, 000002_payments_ix.up.sql" in note


def test_sql_with_a_syntax_error_and_no_template_is_still_rb901():
    assert codes("migrations/0042_x.sql", "ALTER TABLE payments ADD COLUMN;\n") == [("RB901", 1)]


def test_backfill_before_the_ddl_holds_no_ddl_lock_during_the_backfill():
    before = (
        "UPDATE payments SET currency = 'EUR' WHERE currency IS NULL;\n"
        "ALTER TABLE payments ALTER COLUMN currency SET DEFAULT 'EUR';\n"
    )
    after = (
        "ALTER TABLE payments ALTER COLUMN currency SET DEFAULT 'EUR';\n"
        "UPDATE payments SET currency = 'EUR' WHERE currency IS NULL;\n"
    )
    path = "migrations/2024-05-03-120000_currency/up.sql"  # diesel: one transaction
    assert analyze_migration_source(path, before, Config(), rule_types=_rule("RB413")) == []
    assert [f.line for f in analyze_migration_source(path, after, Config(), rule_types=_rule("RB413"))] == [2]


def _rule(code):
    from reviewbot.analyzers.migrations.rules import MIGRATION_RULES

    return tuple(r for r in MIGRATION_RULES if r.code == code)


def test_inline_foreign_key_on_a_new_null_column_is_not_a_validation_scan():
    # Measured on PostgreSQL 15: no sequential scan of invoices for the first, a full one for the second.
    null_column = "ALTER TABLE invoices ADD COLUMN recurring_id uuid REFERENCES invoice_recurring (id);\n"
    filled = "ALTER TABLE invoices ADD COLUMN recurring_id uuid DEFAULT gen_random_uuid() REFERENCES invoice_recurring (id);\n"
    assert analyze_migration_source("migrations/0042_x.sql", null_column, Config(), rule_types=_rule("RB407")) == []
    assert [f.line for f in analyze_migration_source("migrations/0042_x.sql", filled, Config(),
                                                      rule_types=_rule("RB407"))] == [1]


def test_new_enum_value_added_by_a_do_block_and_used_after_it_in_the_transaction_is_found():
    # String literals are read only from files that can add an enum value: here the word is in an EXECUTE string
    sql = (
        "BEGIN;\n"
        "DO $$ BEGIN\n"
        "  EXECUTE 'ALTER TYPE payment_status ADD VALUE ''disputed''';\n"
        "END $$;\n"
        "UPDATE payments SET status = 'disputed' WHERE dispute_id IS NOT NULL;\n"
        "COMMIT;\n"
    )
    assert ("RB415", 3) in codes("migrations/0046_disputed.sql", sql)


def test_new_enum_value_is_found_whatever_separates_add_from_value():
    sql = ("BEGIN;\nALTER TYPE payment_status ADD /* PG 12+ */\n  Value 'disputed';\n"
           "INSERT INTO payment_events (status) VALUES ('disputed');\nCOMMIT;\n")
    assert ("RB415", 2) in codes("migrations/0046_disputed.sql", sql)


@pytest.mark.parametrize(("sql", "may"), [
    ("ALTER TYPE payment_status ADD VALUE 'disputed';", True),
    ("alter type payment_status add value if not exists 'disputed'", True),
    ("ALTER TYPE payment_status ADD/* 12+ */VALUE'disputed'", True),
    ("DO $$ BEGIN EXECUTE 'ALTER TYPE s ADD VALUE ''x'''; END $$;", True),
    ("ALTER TYPE payment_status ADD\nVALUE", True),
    ("INSERT INTO payment_events (status) VALUES ('disputed');", False),
    ("UPDATE payments SET max_value = 1, value$ = 2, valueé = 3;", False),
])
def test_only_a_text_with_the_keyword_value_can_add_an_enum_value(sql, may):
    assert may_add_enum_value(sql) is may
    assert any(op.kind is OpKind.ADD_ENUM_VALUE for op in parse_sql_operations(sql).operations) <= may
