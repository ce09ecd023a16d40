"""RB411 dropped-column-or-table: a DROP that breaks the code still running and loses the data."""

from __future__ import annotations

from collections.abc import Iterator

from reviewbot.analyzers.migrations.model import Framework, OpKind
from reviewbot.analyzers.migrations.rule import POSTGRES_DOCS, MigrationRule, Report, column_label
from reviewbot.analyzers.migrations.timeline import Timeline
from reviewbot.core.findings import Confidence
from reviewbot.core.rules import Bad, Good


class DroppedColumnOrTable(MigrationRule):
    code = "RB411"
    name = "dropped-column-or-table"
    summary = "A column or table is dropped while code that reads it may still be running."
    lock = "ACCESS EXCLUSIVE, brief (no rewrite) — queries of the dropped name fail, and the data is gone."
    postgres = "all versions"
    rationale = (
        "The previous application version still selects and inserts the column during the deploy; a "
        "dropped ledger or payments column also cannot be recovered without a restore. Drop in two "
        "releases: first stop using it in code (SQLAlchemy: remove it from the model / deferred; Django: "
        "RemoveField in SeparateDatabaseAndState state_operations), deploy, then drop it in a later "
        "migration (suppress this finding there with the reason). SQL / Alembic: op.drop_column only "
        "after the release that stopped reading it."
    )
    help = "Stop using the column or table in code first; drop it in a later release."
    recipes = {
        Framework.SQL: "Remove every use in code and deploy; drop it in a later migration (suppress with the reason).",
        Framework.ALEMBIC: "Remove it from the models and deploy first; op.drop_column/op.drop_table in a later revision.",
        Framework.DJANGO: (
            "First release: RemoveField/DeleteModel inside SeparateDatabaseAndState(state_operations=[...]); "
            "a later migration drops it in the database."
        ),
    }
    references = (f"{POSTGRES_DOCS}/sql-altertable.html#SQL-ALTERTABLE-DESC-DROP-COLUMN",)
    examples = (
        Bad("ALTER TABLE payments DROP COLUMN legacy_status;\n", line=1, path="migrations/0042_drop_legacy_status.sql", confidence=Confidence.HIGH),
        Bad("DROP TABLE card_tokens;\n", line=1, path="migrations/0043_drop_card_tokens.sql"),
        Bad(
            "from alembic import op\n\n\ndef upgrade():\n    op.drop_column(\"refunds\", \"legacy_reason\")\n\n\n"
            "def downgrade():\n    pass\n",
            line=5, path="alembic/versions/8b2c_drop_legacy_reason.py",
        ),
        Bad(
            "CREATE TABLE payouts (id bigint PRIMARY KEY, merchant_id bigint NOT NULL);\n"
            "ALTER TABLE merchants DROP COLUMN legacy_iban;\n",
            line=2, path="supabase/migrations/20240501120000_payouts.sql", confidence=Confidence.MEDIUM,
        ),
        Good(
            "import sqlalchemy as sa\nfrom alembic import op\n\n\ndef upgrade():\n"
            "    op.add_column(\"refunds\", sa.Column(\"reason\", sa.Text(), nullable=True))\n\n\n"
            "def downgrade():\n    op.drop_column(\"refunds\", \"reason\")\n",
            path="alembic/versions/7c1d_refund_reason.py",
        ),
        Good(
            "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
            "    operations = [\n        migrations.SeparateDatabaseAndState(state_operations=[\n"
            "            migrations.RemoveField(model_name=\"payment\", name=\"legacy_status\"),\n        ]),\n    ]\n",
            path="payments/migrations/0042_forget_legacy_status.py",
        ),
        Good("CREATE TABLE import_batch (id bigint);\nDROP TABLE import_batch;\n", path="migrations/0044_scratch.sql"),
    )

    def check(self, timeline: Timeline) -> Iterator[Report]:
        for step in timeline.steps:
            op = step.op
            if step.table_is_new:
                continue
            if op.kind is OpKind.DROP_COLUMN:
                yield Report(step, f"dropping column {column_label(step)} (ACCESS EXCLUSIVE lock) breaks code still "
                                   "reading it and loses its data")
            elif op.kind is OpKind.DROP_TABLE:
                yield Report(step, f"dropping table {op.table} (ACCESS EXCLUSIVE lock) breaks code still reading "
                                   "it and loses its data")
