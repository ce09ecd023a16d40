"""RB409 unique-constraint-without-index: UNIQUE / PRIMARY KEY added to a live table without USING INDEX."""

from __future__ import annotations

from collections.abc import Iterator

from reviewbot.analyzers.migrations.model import ConstraintKind, Framework, OpKind
from reviewbot.analyzers.migrations.rule import POSTGRES_DOCS, MigrationRule, Report
from reviewbot.analyzers.migrations.timeline import Timeline
from reviewbot.core.findings import Confidence
from reviewbot.core.rules import Bad, Good

_INDEXED = (ConstraintKind.UNIQUE, ConstraintKind.PRIMARY_KEY, ConstraintKind.EXCLUSION)


class UniqueConstraintWithoutIndex(MigrationRule):
    code = "RB409"
    name = "unique-constraint-without-index"
    summary = "A UNIQUE, PRIMARY KEY or EXCLUDE constraint builds its index on an existing table under the lock."
    lock = "ACCESS EXCLUSIVE for the whole index build: every read and write on the table waits."
    postgres = "all versions"
    rationale = (
        "ADD CONSTRAINT … UNIQUE / PRIMARY KEY builds a new index while holding ACCESS EXCLUSIVE. Build the "
        "index first without blocking, then attach it. SQL: `CREATE UNIQUE INDEX CONCURRENTLY ix …;` then "
        "`ALTER TABLE … ADD CONSTRAINT c UNIQUE USING INDEX ix;` (PRIMARY KEY USING INDEX needs the columns "
        "NOT NULL). Alembic: op.create_index(unique=True, postgresql_concurrently=True) in autocommit_block, "
        "then op.execute(\"… USING INDEX …\"). Django: AddIndexConcurrently with a unique index, then "
        "SeparateDatabaseAndState with RunSQL(\"… USING INDEX …\"). Exclusion constraints have no online path."
    )
    help = "Build a unique index CONCURRENTLY, then ADD CONSTRAINT … USING INDEX."
    recipes = {
        Framework.SQL: "CREATE UNIQUE INDEX CONCURRENTLY ix ON t (cols); then ALTER TABLE t ADD CONSTRAINT c UNIQUE USING INDEX ix.",
        Framework.ALEMBIC: (
            "op.create_index(ix, table, cols, unique=True, postgresql_concurrently=True) inside "
            "autocommit_block, then op.execute(\"ALTER TABLE … ADD CONSTRAINT c UNIQUE USING INDEX ix\")."
        ),
        Framework.DJANGO: (
            "Create the unique index with AddIndexConcurrently (atomic = False), then attach it with "
            "SeparateDatabaseAndState(database_operations=[RunSQL(\"… UNIQUE USING INDEX …\")], "
            "state_operations=[AddConstraint(...)])."
        ),
    }
    references = (f"{POSTGRES_DOCS}/sql-altertable.html#SQL-ALTERTABLE-DESC-ADD-TABLE-CONSTRAINT-USING-INDEX",)
    examples = (
        Bad("ALTER TABLE payments ADD CONSTRAINT payments_idempotency_key_key UNIQUE (idempotency_key);\n",
            line=1, path="migrations/0042_payments_idempotency_unique.sql", confidence=Confidence.HIGH),
        Bad("ALTER TABLE ledger_entries ADD PRIMARY KEY (id);\n", line=1, path="migrations/0043_ledger_pk.sql"),
        Bad(
            "from alembic import op\n\n\ndef upgrade():\n"
            "    op.create_unique_constraint(\"uq_charge_idem_key\", \"charges\", [\"idempotency_key\"])\n",
            line=5, path="alembic/versions/6a01_charge_idem_unique.py",
        ),
        Bad(
            "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n"
            "    operations = [\n        migrations.AddConstraint(\n            model_name=\"payment\",\n"
            "            constraint=models.UniqueConstraint(fields=[\"idempotency_key\"], name=\"uniq_idem\"),\n"
            "        ),\n    ]\n",
            line=6, path="payments/migrations/0042_payment_uniq_idem.py",
        ),
        Bad(
            "CREATE TABLE payouts (id bigint PRIMARY KEY, merchant_id bigint NOT NULL);\n"
            "ALTER TABLE merchants ADD CONSTRAINT merchants_payout_account_key UNIQUE (payout_account);\n",
            line=2, path="supabase/migrations/20240501120000_payouts.sql", confidence=Confidence.MEDIUM,
        ),
        Good("ALTER TABLE payments ADD CONSTRAINT payments_idempotency_key_key\n"
             "  UNIQUE USING INDEX ix_payments_idempotency_key;\n",
             path="migrations/0042_payments_idempotency_unique.sql"),
        Good("CREATE TABLE payouts (id bigint, idempotency_key text);\n"
             "ALTER TABLE payouts ADD CONSTRAINT payouts_key UNIQUE (idempotency_key);\n",
             path="migrations/0044_payouts.sql"),
        Good("CREATE UNIQUE INDEX CONCURRENTLY ix_payments_idempotency_key ON payments (idempotency_key);\n",
             path="migrations/0041_payments_idempotency_index.sql"),
    )

    def check(self, timeline: Timeline) -> Iterator[Report]:
        for step in timeline.steps:
            op = step.op
            if step.table_is_new:
                continue
            if op.kind is OpKind.ADD_CONSTRAINT and op.constraint in _INDEXED and not op.using_index:
                assert op.constraint is not None
                kind = op.constraint.value.upper()
                name = f" {op.constraint_name}" if op.constraint_name else ""
                yield Report(step, f"{kind} constraint{name} on {op.table} builds its index under an "
                                   "ACCESS EXCLUSIVE lock, blocking reads and writes")
            elif op.kind is OpKind.ADD_COLUMN and op.column is not None and (op.column.unique or op.column.primary_key):
                kind = "PRIMARY KEY" if op.column.primary_key else "UNIQUE"
                yield Report(step, f"{kind} column {op.table}.{op.column.name} builds its index under an "
                                   "ACCESS EXCLUSIVE lock, blocking reads and writes")
