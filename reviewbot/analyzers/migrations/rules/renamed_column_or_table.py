"""RB410 renamed-column-or-table: a rename that breaks the code still running during the deploy."""

from __future__ import annotations

from collections.abc import Iterator

from reviewbot.analyzers.migrations.model import Framework, OpKind
from reviewbot.analyzers.migrations.rule import POSTGRES_DOCS, MigrationRule, Report, column_label
from reviewbot.analyzers.migrations.timeline import Timeline
from reviewbot.core.findings import Confidence
from reviewbot.core.rules import Bad, Good


class RenamedColumnOrTable(MigrationRule):
    code = "RB410"
    name = "renamed-column-or-table"
    summary = "A column or table of an existing table is renamed, breaking queries from code still running."
    lock = "ACCESS EXCLUSIVE, brief (catalog only) — but every query of the old name fails afterwards."
    postgres = "all versions"
    rationale = (
        "During a rolling deploy the previous version keeps querying the old name and fails: captures and "
        "refunds error until every instance is replaced. SQL: expand/contract — add the new column, "
        "dual-write (trigger), backfill, switch reads, drop the old one; for a table, rename and leave a "
        "view with the old name until old code is gone. Alembic: the same with op.add_column / op.execute. "
        "Django: keep the column name with `db_column=\"old_name\"` (RenameField inside "
        "SeparateDatabaseAndState state_operations), or expand/contract."
    )
    help = "Rename by expand/contract (new column or a compatibility view), never in place."
    recipes = {
        Framework.SQL: (
            "Add the new column, dual-write with a trigger, backfill, switch reads, drop the old one later; "
            "for a table, rename it and CREATE VIEW old_name AS SELECT * FROM new_name until old code is gone."
        ),
        Framework.ALEMBIC: "Add the new column (op.add_column), sync and backfill, switch code, drop the old column later.",
        Framework.DJANGO: (
            "Keep the database name: set db_column=\"old_name\" (or Meta.db_table) and put RenameField/"
            "RenameModel in SeparateDatabaseAndState(state_operations=[...]); or expand/contract."
        ),
    }
    references = (f"{POSTGRES_DOCS}/sql-altertable.html",)
    examples = (
        Bad("ALTER TABLE payments RENAME COLUMN amount TO amount_minor;\n", line=1,
            path="migrations/0042_rename_amount.sql", confidence=Confidence.HIGH),
        Bad("ALTER TABLE charges RENAME TO payment_attempts;\n", line=1, path="migrations/0043_rename_charges.sql"),
        Bad(
            "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
            "    operations = [\n"
            "        migrations.RenameField(model_name=\"refund\", old_name=\"amount\", new_name=\"amount_minor\"),\n"
            "    ]\n",
            line=6, path="payments/migrations/0042_rename_refund_amount.py",
        ),
        Bad(
            "CREATE TABLE payouts (id bigint PRIMARY KEY, merchant_id bigint NOT NULL);\n"
            "ALTER TABLE merchants RENAME COLUMN iban TO payout_iban;\n",
            line=2, path="supabase/migrations/20240501120000_payouts.sql", confidence=Confidence.MEDIUM,
        ),
        Good("ALTER TABLE payments ADD COLUMN amount_minor bigint;\n", path="migrations/0042_amount_minor.sql"),
        Good(
            "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
            "    operations = [\n        migrations.SeparateDatabaseAndState(state_operations=[\n"
            "            migrations.RenameField(model_name=\"refund\", old_name=\"amount\", new_name=\"amount_minor\"),\n"
            "        ]),\n    ]\n",
            path="payments/migrations/0042_rename_refund_amount.py",
        ),
        Good("CREATE TABLE payouts_v2 (id bigint);\nALTER TABLE payouts_v2 RENAME TO payouts_next;\n",
             path="migrations/0044_payouts.sql"),
    )

    def check(self, timeline: Timeline) -> Iterator[Report]:
        for step in timeline.steps:
            op = step.op
            if step.table_is_new:
                continue
            if op.kind is OpKind.RENAME_COLUMN:
                yield Report(step, f"renaming {column_label(step)} to {op.new_name} (ACCESS EXCLUSIVE lock) "
                                   "breaks queries from code still running")
            elif op.kind is OpKind.RENAME_TABLE:
                yield Report(step, f"renaming table {op.table} to {op.new_name} (ACCESS EXCLUSIVE lock) "
                                   "breaks queries from code still running")
