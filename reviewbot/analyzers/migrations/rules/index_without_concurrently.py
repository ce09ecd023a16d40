"""RB401 index-without-concurrently: an index built or dropped on a live table without CONCURRENTLY."""

from __future__ import annotations

from collections.abc import Iterator

from reviewbot.analyzers.migrations.model import Framework, OpKind
from reviewbot.analyzers.migrations.rule import POSTGRES_DOCS, MigrationRule, Report
from reviewbot.analyzers.migrations.timeline import Timeline, table_key
from reviewbot.core.findings import Confidence
from reviewbot.core.rules import Bad, Good


class IndexWithoutConcurrently(MigrationRule):
    code = "RB401"
    name = "index-without-concurrently"
    summary = "An index is created or dropped on an existing table without CONCURRENTLY."
    lock = (
        "CREATE INDEX takes SHARE on the table for the whole build: inserts, updates and deletes wait "
        "(checkout and capture writes stall). DROP INDEX takes ACCESS EXCLUSIVE: reads wait too."
    )
    postgres = "all versions"
    rationale = (
        "Building an index on a large payments table takes minutes; under a plain CREATE INDEX no row "
        "can be written for that long. CONCURRENTLY builds it while writes continue. "
        "SQL: `CREATE INDEX CONCURRENTLY ix ON payments (customer_id);` in a file the runner does not "
        "wrap in a transaction; drop the INVALID index and retry if it fails. "
        "Alembic: `with op.get_context().autocommit_block(): op.create_index(..., "
        "postgresql_concurrently=True)`. Django: `AddIndexConcurrently` in a migration with "
        "`atomic = False`. Indexes on tables created earlier in the same migration are free."
    )
    help = "Build (or drop) the index CONCURRENTLY, outside a transaction."
    recipes = {
        Framework.SQL: (
            "Use CREATE INDEX CONCURRENTLY (DROP INDEX CONCURRENTLY) in a migration the runner does not "
            "wrap in a transaction (diesel: run_in_transaction = false; psql: no BEGIN); if it fails, "
            "drop the INVALID index and retry."
        ),
        Framework.ALEMBIC: (
            "Wrap it in `with op.get_context().autocommit_block():` and pass "
            "`postgresql_concurrently=True` to op.create_index / op.drop_index."
        ),
        Framework.DJANGO: (
            "Use django.contrib.postgres.operations.AddIndexConcurrently / RemoveIndexConcurrently in a "
            "migration with `atomic = False` (for a ForeignKey, db_index=False then a concurrent index)."
        ),
    }
    references = (f"{POSTGRES_DOCS}/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY",)
    examples = (
        Bad("CREATE INDEX ix_payments_customer ON payments (customer_id);\n", line=1,
            path="migrations/0042_payments_customer.sql", confidence=Confidence.HIGH),
        Bad("SET lock_timeout = '2s';\n\nDROP INDEX ix_refunds_status;\n", line=3,
            path="migrations/0043_drop_refund_status_index.sql"),
        Bad(
            "from alembic import op\n\n\ndef upgrade():\n"
            "    op.create_index(\"ix_charges_customer\", \"charges\", [\"customer_id\"])\n",
            line=5, path="alembic/versions/3f2a_charges_customer.py",
        ),
        Bad(
            "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n"
            "    operations = [\n"
            "        migrations.AddIndex(model_name=\"payment\", index=models.Index(fields=[\"customer\"], "
            "name=\"payment_customer_idx\")),\n    ]\n",
            line=6, path="payments/migrations/0042_payment_customer_idx.py",
        ),
        Bad(
            "CREATE TABLE payouts (id bigint PRIMARY KEY, merchant_id bigint NOT NULL);\n"
            "CREATE INDEX ix_merchants_country ON merchants (country);\n",
            line=2, path="supabase/migrations/20240501120000_payouts.sql", confidence=Confidence.MEDIUM,
        ),
        Good("CREATE INDEX CONCURRENTLY ix_payments_customer ON payments (customer_id);\n",
             path="migrations/0042_payments_customer.sql"),
        Good(
            "CREATE TABLE payouts (id bigint PRIMARY KEY, merchant_id bigint NOT NULL);\n"
            "CREATE INDEX ix_payouts_merchant ON payouts (merchant_id);\n",
            path="migrations/0044_payouts.sql",
        ),
        Good(
            "from alembic import op\n\n\ndef upgrade():\n    with op.get_context().autocommit_block():\n"
            "        op.create_index(\"ix_charges_customer\", \"charges\", [\"customer_id\"], "
            "postgresql_concurrently=True)\n",
            path="alembic/versions/3f2a_charges_customer.py",
        ),
        Good(
            "from django.contrib.postgres.operations import AddIndexConcurrently\n"
            "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n"
            "    atomic = False\n    operations = [\n"
            "        AddIndexConcurrently(model_name=\"payment\", index=models.Index(fields=[\"customer\"], "
            "name=\"payment_customer_idx\")),\n    ]\n",
            path="payments/migrations/0042_payment_customer_idx.py",
        ),
    )

    def check(self, timeline: Timeline) -> Iterator[Report]:
        new_indexes: set[str] = set()
        for step in timeline.steps:
            op = step.op
            if op.concurrently:
                continue
            if op.kind is OpKind.CREATE_INDEX:
                if step.table_is_new or op.table is None:
                    if op.constraint_name:
                        new_indexes.add(table_key(op.constraint_name))
                    continue
                what = "CREATE UNIQUE INDEX" if op.unique else "CREATE INDEX"
                yield Report(step, f"{what} on {op.table} takes a SHARE lock that blocks writes for the whole build")
            elif op.kind is OpKind.DROP_INDEX:
                name = op.constraint_name or "index"
                if step.table_is_new or table_key(name) in new_indexes:
                    continue
                on = f" on {op.table}" if op.table else " on its table"
                yield Report(step, f"DROP INDEX {name} takes an ACCESS EXCLUSIVE lock{on}, blocking reads and writes")
