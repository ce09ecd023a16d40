"""The reference platform's own migrations, each replayed as the change that added it: locks asserted.

Each migration is traced on the schema its predecessors (and the other migration set) build, the way it
was deployed; the platform is the clean example, so the trace confirms its safety and reports nothing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reviewbot.pipeline import load
from tests.analyzers.trace.conftest import trace_files
from tests.e2e.scenario_runner import PLATFORM

ROWS = 200
# path -> {line: (table, strongest table lock the statement takes, read blocked, write blocked)}
EXPECTED = {
    "api/drizzle/0000_initial.sql": {},
    "api/drizzle/0001_charges_statement_descriptor.sql": {
        # SET LOCAL works: drizzle runs the deploy in one transaction
        3: ("charges", "ACCESS EXCLUSIVE", True, True),
    },
    "gateway/migrations/000001_create_payments.up.sql": {},
    "gateway/migrations/000002_create_merchant_balances.up.sql": {},
    "gateway/migrations/000003_index_payments_psp_reference.up.sql": {
        3: ("payments", "SHARE UPDATE EXCLUSIVE", False, False),
    },
    "migrations/alembic/versions/0001_create_merchants_and_customers.py": {},
    "migrations/alembic/versions/0002_create_payment_intents_and_refunds.py": {
        # a foreign key to an existing table takes SHARE ROW EXCLUSIVE on it: writes wait, reads do not
        20: ("merchants", "SHARE ROW EXCLUSIVE", False, True),
    },
    "migrations/alembic/versions/0003_create_idempotency_webhooks_and_jobs.py": {},
    "migrations/alembic/versions/0004_index_payment_intents_psp_reference.py": {
        22: ("payment_intents", "SHARE UPDATE EXCLUSIVE", False, False),
    },
    "migrations/alembic/versions/0005_check_amount_captured_not_valid.py": {
        19: ("payment_intents", "ACCESS EXCLUSIVE", True, True),
    },
    "migrations/alembic/versions/0006_validate_amount_captured_check.py": {
        19: ("payment_intents", "SHARE UPDATE EXCLUSIVE", False, False),
    },
    "migrations/sql/0001_ledger_tables.sql": {},
    "migrations/sql/0002_settlement_lines.sql": {},
    "migrations/sql/0003_ledger_entries_transaction_index.sql": {
        4: ("ledger_entries", "SHARE UPDATE EXCLUSIVE", False, False),
    },
    "migrations/sql/0004_settlement_lines_intent_fk.sql": {
        5: ("settlement_lines", "SHARE ROW EXCLUSIVE", False, True),
    },
    "migrations/sql/0005_validate_settlement_lines_intent_fk.sql": {
        4: ("settlement_lines", "SHARE UPDATE EXCLUSIVE", False, False),
    },
}
SCANS = {  # statements that read every row of an existing table (validation, index build)
    ("migrations/alembic/versions/0004_index_payment_intents_psp_reference.py", 22): "payment_intents",
    ("migrations/alembic/versions/0006_validate_amount_captured_check.py", 19): "payment_intents",
    ("migrations/sql/0003_ledger_entries_transaction_index.sql", 4): "ledger_entries",
    ("gateway/migrations/000003_index_payments_psp_reference.up.sql", 3): "payments",
    ("migrations/sql/0005_validate_settlement_lines_intent_fk.sql", 4): "settlement_lines",
}


def test_every_platform_migration_is_listed():
    sql = {p for p in PLATFORM.rglob("*.sql") if "node_modules" not in p.parts and not p.name.endswith(".down.sql")}
    alembic = set((PLATFORM / "migrations" / "alembic" / "versions").glob("0*.py"))
    assert {p.relative_to(PLATFORM).as_posix() for p in sql | alembic} == set(EXPECTED)


@pytest.mark.parametrize("path", sorted(EXPECTED))
def test_platform_migration_replays_with_the_locks_it_was_designed_for(postgres, tmp_path, path):
    root = tmp_path / "platform"
    shutil.copytree(PLATFORM, root, ignore=shutil.ignore_patterns("__pycache__", ".mypy_cache", ".ruff_cache"))
    text = (root / path).read_text(encoding="utf-8")
    traced = trace_files(root, {path: text}, postgres, rows=ROWS, config=load(Path(root), None))
    report = traced.report
    assert report.not_replayed == ()
    # each service's migrations are built in a database of their own: the API's drizzle set and the
    # Python service's Alembic set both create idempotency_keys, and neither collides with the other
    assert not [n for n in report.notes if "42P07" in n], report.notes
    (migration,) = report.migrations
    assert all(s.ran and not s.failed for s in migration.statements), migration.statements
    assert all(s.rewritten == () for s in migration.statements)
    expected = EXPECTED[path]
    for stmt in migration.statements:
        line = stmt.statement.line
        existing = [lock for lock in stmt.acquired if lock.existed and lock.kind == "table"]
        if line in expected:
            table, mode, read_blocked, write_blocked = expected[line]
            assert stmt.strongest_on(table, acquired_only=True) == mode, (line, stmt.acquired)
            probe = stmt.probe(table)
            assert (probe.read_blocked, probe.write_blocked) == (read_blocked, write_blocked), (line, probe)
        elif "REFERENCES" not in stmt.statement.sql.upper():
            # every other statement creates new tables, or sets lock_timeout: no lock on an existing table
            assert [lock for lock in existing if lock.blocks_writes] == [], (line, existing)
        scanned = SCANS.get((path, line))
        if scanned is not None:
            assert stmt.scanned(scanned) is not None and stmt.scanned(scanned).rows >= ROWS
    # the platform passes the gate: the trace confirms its safety and adds nothing
    assert [f for f in traced.result.findings if f.family == "migrations"] == []
