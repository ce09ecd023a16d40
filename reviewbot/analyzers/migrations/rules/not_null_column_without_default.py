"""RB403 not-null-column-without-default: a NOT NULL column added to a live table with no database default."""

from __future__ import annotations

from collections.abc import Iterator

from reviewbot.analyzers.migrations.model import Framework, OpKind
from reviewbot.analyzers.migrations.rule import POSTGRES_DOCS, MigrationRule, Report, column_label
from reviewbot.analyzers.migrations.timeline import Timeline
from reviewbot.core.findings import Confidence
from reviewbot.core.rules import Bad, Good


class NotNullColumnWithoutDefault(MigrationRule):
    code = "RB403"
    name = "not-null-column-without-default"
    summary = "A NOT NULL column is added to an existing table without a database default."
    lock = (
        "ACCESS EXCLUSIVE on the table (reads and writes wait); on a non-empty table the statement fails, "
        "and afterwards every INSERT from code that does not know the column fails."
    )
    postgres = "all versions"
    rationale = (
        "Existing rows have no value for the new column, so PostgreSQL refuses it on a non-empty table; "
        "and the application version still running during the deploy inserts rows without the column. "
        "SQL: add the column nullable (or with a constant DEFAULT, catalog-only since PG 11), backfill in "
        "batches, then add `CHECK (col IS NOT NULL) NOT VALID`, VALIDATE, SET NOT NULL. Alembic: "
        "`sa.Column(..., nullable=False, server_default=\"…\")` or nullable first. Django: a Python "
        "`default=` is dropped after the migration, so old code's inserts fail — use `db_default=` "
        "(Django 5+) or `null=True` first."
    )
    help = "Add the column nullable or with a constant database default; tighten to NOT NULL later."
    recipes = {
        Framework.SQL: (
            "ADD COLUMN … DEFAULT <constant> NOT NULL (catalog-only on PG 11+), or add it nullable, backfill "
            "in batches, then CHECK (col IS NOT NULL) NOT VALID → VALIDATE → SET NOT NULL."
        ),
        Framework.ALEMBIC: (
            "Give the column a server_default (a constant), or add it nullable=True, backfill, and tighten "
            "it in a later revision."
        ),
        Framework.DJANGO: (
            "Use db_default=<constant> (Django 5+) so the database keeps a default for code still running, "
            "or add the field with null=True, backfill, and make it NOT NULL in a later migration."
        ),
    }
    references = (f"{POSTGRES_DOCS}/ddl-alter.html#DDL-ALTER-ADDING-A-COLUMN",)
    examples = (
        Bad("ALTER TABLE payments ADD COLUMN currency char(3) NOT NULL;\n", line=1,
            path="migrations/0042_payments_currency.sql", confidence=Confidence.HIGH),
        Bad(
            "import sqlalchemy as sa\nfrom alembic import op\n\n\ndef upgrade():\n"
            "    op.add_column(\"refunds\", sa.Column(\"reason\", sa.Text(), nullable=False))\n",
            line=6, path="alembic/versions/7c1d_refund_reason.py",
        ),
        Bad(
            "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n"
            "    operations = [\n"
            "        migrations.AddField(model_name=\"payment\", name=\"captured\", "
            "field=models.BooleanField(default=False)),\n    ]\n",
            line=6, path="payments/migrations/0042_payment_captured.py",
        ),
        Bad(
            "CREATE TABLE payouts (id bigint PRIMARY KEY, merchant_id bigint NOT NULL);\n"
            "ALTER TABLE merchants ADD COLUMN payout_schedule text NOT NULL;\n",
            line=2, path="supabase/migrations/20240501120000_payouts.sql", confidence=Confidence.MEDIUM,
        ),
        Good("ALTER TABLE payments ADD COLUMN currency char(3) NOT NULL DEFAULT 'EUR';\n",
             path="migrations/0042_payments_currency.sql"),
        Good(
            "import sqlalchemy as sa\nfrom alembic import op\n\n\ndef upgrade():\n"
            "    op.add_column(\"refunds\", sa.Column(\"reason\", sa.Text(), nullable=True))\n",
            path="alembic/versions/7c1d_refund_reason.py",
        ),
        Good(
            "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n"
            "    operations = [\n"
            "        migrations.AddField(model_name=\"payment\", name=\"captured\", "
            "field=models.BooleanField(db_default=False)),\n    ]\n",
            path="payments/migrations/0042_payment_captured.py",
        ),
    )

    def check(self, timeline: Timeline) -> Iterator[Report]:
        django = timeline.migration.framework is Framework.DJANGO
        for step in timeline.steps:
            col = step.op.column
            if step.op.kind is not OpKind.ADD_COLUMN or step.table_is_new or col is None:
                continue
            if not col.not_null or col.default is not None or col.serial or col.identity or col.stored_generated:
                continue
            if django:
                message = (f"NOT NULL field {column_label(step)} has no db_default: Django drops its default, "
                           "so inserts from code still running fail")
            else:
                message = (f"NOT NULL column {column_label(step)} added without a default fails on a non-empty "
                           "table (ACCESS EXCLUSIVE lock) and breaks inserts from code still running")
            yield Report(step, message)
