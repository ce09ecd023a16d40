"""The scratch schema comes from the repository's earlier migrations; touched tables get synthetic rows."""

from __future__ import annotations

from tests.analyzers.trace.conftest import trace_files, write


def test_a_set_that_needs_another_sets_tables_waits_for_them(tmp_path, postgres):
    # "billing" sorts before "core", but its first migration references core's table
    write(tmp_path, {
        "billing/migrations/0001_refunds.sql":
            "CREATE TABLE refunds (id bigint PRIMARY KEY, payment_id bigint NOT NULL REFERENCES payments (id));\n",
        "core/migrations/0001_payments.sql": "CREATE TABLE payments (id bigint PRIMARY KEY, amount_minor bigint NOT NULL);\n",
    })
    traced = trace_files(tmp_path, {"billing/migrations/0002_refund_reason.sql":
                                    "SET lock_timeout = '2s';\nALTER TABLE refunds ADD COLUMN reason text;\n"}, postgres)
    assert not [n for n in traced.report.notes if "could not be applied" in n], traced.report.notes
    stmt = traced.statement("0002_refund_reason.sql", 2)
    assert stmt.ran and not stmt.failed
    assert dict(traced.report.seeded) == {"refunds": 500, "payments": 500}  # the parent is filled first


def test_rows_satisfy_checks_enums_foreign_keys_and_unique_short_codes(tmp_path, postgres):
    write(tmp_path, {"migrations/0001_schema.sql": (
        "CREATE TYPE payment_status AS ENUM ('pending', 'captured', 'refunded');\n"
        "CREATE TABLE merchants (id uuid PRIMARY KEY, country char(2) NOT NULL UNIQUE);\n"
        "CREATE TABLE payments (\n"
        "  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
        "  merchant_id uuid NOT NULL REFERENCES merchants (id),\n"
        "  status payment_status NOT NULL,\n"
        "  kind text NOT NULL CHECK (kind IN ('card', 'sepa')),\n"
        "  amount_minor bigint NOT NULL CHECK (amount_minor > 0),\n"
        "  fee_minor numeric(12, 2) NOT NULL DEFAULT 0,\n"
        "  captured_at timestamptz,\n"
        "  metadata jsonb NOT NULL DEFAULT '{}'\n"
        ");\n")})
    traced = trace_files(tmp_path, {"migrations/0002_index.sql": "CREATE INDEX ix ON payments (kind);\n"},
                         postgres, rows=200)
    assert dict(traced.report.seeded) == {"merchants": 200, "payments": 200}, traced.report.notes
    stmt = traced.statement("0002_index.sql", 1)
    assert stmt.scanned("payments").rows == 200


def test_a_table_that_cannot_be_filled_is_named_and_still_traced(tmp_path, postgres):
    write(tmp_path, {"migrations/0001_schema.sql":
                     "CREATE TABLE payouts (id bigint PRIMARY KEY, iban text NOT NULL CHECK (length(iban) = 34));\n"})
    traced = trace_files(tmp_path, {"migrations/0002_index.sql": "CREATE INDEX ix ON payouts (iban);\n"}, postgres)
    assert any(n.startswith("no synthetic rows in payouts") for n in traced.report.notes), traced.report.notes
    assert any("no synthetic rows in payouts" in n for n in traced.result.notes)
    stmt = traced.statement("0002_index.sql", 1)
    assert stmt.strongest_on("payouts", acquired_only=True) == "SHARE"  # locks are measured on an empty table too
