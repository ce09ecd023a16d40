"""RB413 backfill-in-ddl-transaction: UPDATE/DELETE/RunPython in the transaction that altered the table."""

from __future__ import annotations

from collections.abc import Iterator

from reviewbot.analyzers.migrations.model import Framework, OpKind
from reviewbot.analyzers.migrations.rule import POSTGRES_DOCS, MigrationRule, Report
from reviewbot.analyzers.migrations.timeline import Timeline, lock_of, table_key
from reviewbot.core.findings import Confidence
from reviewbot.core.rules import Bad, Good


class BackfillInDdlTransaction(MigrationRule):
    code = "RB413"
    name = "backfill-in-ddl-transaction"
    summary = "A data backfill runs in the same transaction as DDL on an existing table."
    lock = (
        "The DDL's lock (usually ACCESS EXCLUSIVE: reads and writes wait) is held until the backfill has "
        "touched every row and the transaction commits."
    )
    postgres = "all versions"
    rationale = (
        "An ALTER takes its lock for milliseconds; an UPDATE of millions of rows takes minutes — in one "
        "transaction the lock lasts as long as the backfill, and the table is offline. Run backfills in "
        "their own migration outside the DDL transaction, in batches by key range, committing each batch. "
        "SQL: a separate non-transactional migration (psql file without BEGIN; diesel run_in_transaction = "
        "false) with batched UPDATE … WHERE id BETWEEN …. Alembic: a separate revision using "
        "autocommit_block and batches. Django: RunPython in its own migration with `atomic = False`, "
        "batching with iterator()/bulk_update."
    )
    help = "Move the backfill to its own migration outside the DDL transaction and batch it."
    recipes = {
        Framework.SQL: "Put the UPDATE/DELETE in a separate migration outside a transaction and run it in key-range batches.",
        Framework.ALEMBIC: "Move the backfill to its own revision; run it in batches inside op.get_context().autocommit_block().",
        Framework.DJANGO: "Move RunPython to its own migration with atomic = False and update in batches.",
    }
    references = (f"{POSTGRES_DOCS}/explicit-locking.html",)
    examples = (
        Bad(
            "ALTER TABLE payments ADD COLUMN currency char(3);\n"
            "UPDATE payments SET currency = 'EUR' WHERE currency IS NULL;\n",
            line=2, path="migrations/2024-05-01-120000_payments_currency/up.sql", confidence=Confidence.HIGH,
        ),
        Bad(
            "from django.db import migrations, models\n\n\ndef fill(apps, schema_editor):\n"
            "    apps.get_model(\"payments\", \"Payment\").objects.update(currency=\"EUR\")\n\n\n"
            "class Migration(migrations.Migration):\n    operations = [\n"
            "        migrations.AddField(model_name=\"payment\", name=\"currency\", "
            "field=models.CharField(max_length=3, null=True)),\n"
            "        migrations.RunPython(fill, migrations.RunPython.noop),\n    ]\n",
            line=11, path="payments/migrations/0042_payment_currency.py",
        ),
        Bad(
            "import sqlalchemy as sa\nfrom alembic import op\n\n\ndef upgrade():\n"
            "    op.add_column(\"refunds\", sa.Column(\"reason\", sa.Text(), nullable=True))\n"
            "    op.execute(\"UPDATE refunds SET reason = 'requested_by_customer'\")\n",
            line=7, path="alembic/versions/7c1f_refund_reason_backfill.py",
        ),
        Bad(
            "CREATE TABLE payouts (id bigint PRIMARY KEY, merchant_id bigint NOT NULL);\n"
            "ALTER TABLE merchants ADD COLUMN payout_day int;\n"
            "UPDATE merchants SET payout_day = 1;\n",
            line=3, path="migrations/2024-05-01-120000_payouts/up.sql", confidence=Confidence.MEDIUM,
        ),
        Good(
            "ALTER TABLE payments ADD COLUMN currency char(3);\n"
            "UPDATE payments SET currency = 'EUR' WHERE currency IS NULL;\n",
            path="migrations/0042_payments_currency.sql",
        ),
        Good(
            "UPDATE payments SET currency = 'EUR' WHERE currency IS NULL;\n"
            "ALTER TABLE payments ALTER COLUMN currency SET DEFAULT 'EUR';\n",
            path="migrations/2024-05-03-120000_currency_default/up.sql",
        ),
        Good(
            "CREATE TABLE fx_rates (currency char(3) PRIMARY KEY, rate_ppm bigint);\n"
            "UPDATE fx_rates SET rate_ppm = 1000000 WHERE currency = 'EUR';\n",
            path="migrations/2024-05-02-120000_fx_rates/up.sql",
        ),
        Good(
            "from django.db import migrations\n\n\ndef fill(apps, schema_editor):\n"
            "    apps.get_model(\"payments\", \"Payment\").objects.filter(currency=None).update(currency=\"EUR\")\n\n\n"
            "class Migration(migrations.Migration):\n    atomic = False\n"
            "    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]\n",
            path="payments/migrations/0043_fill_currency.py",
        ),
    )

    def check(self, timeline: Timeline) -> Iterator[Report]:
        for step in timeline.steps:
            op = step.op
            if op.kind is not OpKind.BACKFILL or not step.in_transaction or step.table_is_new:
                continue
            target = table_key(op.table)
            for other in timeline.in_transaction_with(step):
                if other.index > step.index:
                    break  # a lock taken after the backfill is held only from there to the commit
                other_op = other.op
                if other.table_is_new or other_op.table is None or other_op.kind is OpKind.BACKFILL:
                    continue
                if target and table_key(other_op.table) != target:
                    continue
                lock = lock_of(other_op)
                if lock is None:
                    continue
                what = op.description or "the backfill"
                yield Report(step, f"{what} runs in the same transaction as DDL on {other_op.table}: its {lock[0]} "
                                   f"lock {lock[1]} until the backfill commits")
                break
