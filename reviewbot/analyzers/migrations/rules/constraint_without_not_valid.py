"""RB407 constraint-without-not-valid: a FOREIGN KEY or CHECK added to a live table and validated at once."""

from __future__ import annotations

from collections.abc import Iterator

from reviewbot.analyzers.migrations.model import Column, ConstraintKind, Framework, OpKind
from reviewbot.analyzers.migrations.rule import POSTGRES_DOCS, MigrationRule, Report
from reviewbot.analyzers.migrations.timeline import Timeline
from reviewbot.core.findings import Confidence
from reviewbot.core.rules import Bad, Good


class ConstraintWithoutNotValid(MigrationRule):
    code = "RB407"
    name = "constraint-without-not-valid"
    summary = "A foreign key or CHECK constraint is added to an existing table without NOT VALID."
    lock = (
        "FOREIGN KEY: SHARE ROW EXCLUSIVE on both tables during the validation scan (writes wait). "
        "CHECK: ACCESS EXCLUSIVE during the scan (reads and writes wait)."
    )
    postgres = "all versions"
    rationale = (
        "Adding a constraint validates every existing row while holding the lock. NOT VALID adds it "
        "instantly (new rows are checked); a later VALIDATE CONSTRAINT scans under SHARE UPDATE EXCLUSIVE, "
        "which blocks no reads or writes. SQL: `ADD CONSTRAINT … NOT VALID;` then, in a later transaction, "
        "`VALIDATE CONSTRAINT …`. Alembic: `postgresql_not_valid=True` on op.create_foreign_key / "
        "op.create_check_constraint, VALIDATE in a later revision. Django: AddConstraintNotValid + "
        "ValidateConstraint (django.contrib.postgres.operations); for a ForeignKey AddField, "
        "db_constraint=False then add the constraint NOT VALID with RunSQL."
    )
    help = "Add the constraint NOT VALID, then VALIDATE CONSTRAINT in a later transaction."
    recipes = {
        Framework.SQL: "ADD CONSTRAINT … NOT VALID; commit; then ALTER TABLE … VALIDATE CONSTRAINT … separately.",
        Framework.ALEMBIC: (
            "Pass postgresql_not_valid=True to op.create_foreign_key / op.create_check_constraint and run "
            "op.execute(\"ALTER TABLE … VALIDATE CONSTRAINT …\") in a later revision."
        ),
        Framework.DJANGO: (
            "Use AddConstraintNotValid then ValidateConstraint in a later migration; for a ForeignKey use "
            "db_constraint=False and add the FK NOT VALID with RunSQL."
        ),
    }
    references = (f"{POSTGRES_DOCS}/sql-altertable.html#SQL-ALTERTABLE-DESC-ADD-TABLE-CONSTRAINT",)
    examples = (
        Bad("ALTER TABLE refunds ADD CONSTRAINT refunds_charge_fk\n  FOREIGN KEY (charge_id) REFERENCES charges (id);\n",
            line=1, path="migrations/0042_refunds_charge_fk.sql", confidence=Confidence.HIGH),
        Bad("ALTER TABLE payments ADD CONSTRAINT amount_positive CHECK (amount_minor > 0);\n", line=1,
            path="migrations/0043_amount_positive.sql"),
        Bad(
            "from alembic import op\n\n\ndef upgrade():\n"
            "    op.create_foreign_key(\"fk_refund_charge\", \"refunds\", \"charges\", [\"charge_id\"], [\"id\"])\n",
            line=5, path="alembic/versions/5e1f_refund_charge_fk.py",
        ),
        Bad(
            "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n"
            "    operations = [\n        migrations.AddField(\n            model_name=\"refund\",\n"
            "            name=\"charge\",\n            field=models.ForeignKey(default=1, on_delete=models.PROTECT, "
            "to=\"payments.charge\"),\n            preserve_default=False,\n        ),\n    ]\n",
            line=6, path="payments/migrations/0042_refund_charge.py",
        ),
        Bad(
            "CREATE TABLE payouts (id bigint PRIMARY KEY, merchant_id bigint NOT NULL);\n"
            "ALTER TABLE merchant_balances ADD CONSTRAINT balance_nonnegative CHECK (amount_minor >= 0);\n",
            line=2, path="supabase/migrations/20240501120000_payouts.sql", confidence=Confidence.MEDIUM,
        ),
        Good("ALTER TABLE refunds ADD CONSTRAINT refunds_charge_fk\n"
             "  FOREIGN KEY (charge_id) REFERENCES charges (id) NOT VALID;\n",
             path="migrations/0042_refunds_charge_fk.sql"),
        Good(
            "from alembic import op\n\n\ndef upgrade():\n"
            "    op.create_check_constraint(\"amount_positive\", \"payments\", \"amount_minor > 0\", "
            "postgresql_not_valid=True)\n",
            path="alembic/versions/5e20_amount_positive.py",
        ),
        Good("ALTER TABLE refunds ADD COLUMN dispute_id bigint REFERENCES disputes (id);\n",
             path="migrations/0045_refund_dispute.sql"),
        Good(
            "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n"
            "    operations = [\n        migrations.AddField(\n            model_name=\"refund\",\n"
            "            name=\"dispute\",\n            field=models.ForeignKey(null=True, on_delete=models.PROTECT, "
            "to=\"payments.dispute\"),\n        ),\n    ]\n",
            path="payments/migrations/0043_refund_dispute.py",
        ),
        Good("CREATE TABLE disputes (id bigint PRIMARY KEY, charge_id bigint REFERENCES charges (id),\n"
             "  amount_minor bigint CHECK (amount_minor > 0));\n",
             path="migrations/0044_disputes.sql"),
    )

    def check(self, timeline: Timeline) -> Iterator[Report]:
        for step in timeline.steps:
            op = step.op
            if step.table_is_new:
                continue
            if op.kind is OpKind.ADD_COLUMN and op.column is not None and op.column.references:
                if not self.has_values(op.column, timeline.migration.framework):
                    continue  # PostgreSQL skips validating a new column that is NULL in every row
                yield Report(step, f"foreign key from new column {op.table}.{op.column.name} to "
                                   f"{op.column.references} is validated under a SHARE ROW EXCLUSIVE lock, "
                                   "blocking writes on both tables")
            elif op.kind is OpKind.ADD_CONSTRAINT and not op.not_valid:
                name = f" {op.constraint_name}" if op.constraint_name else ""
                if op.constraint is ConstraintKind.FOREIGN_KEY:
                    target = f" to {op.references}" if op.references else ""
                    yield Report(step, f"foreign key{name} on {op.table}{target} is validated under a SHARE ROW "
                                       "EXCLUSIVE lock, blocking writes on both tables")
                elif op.constraint is ConstraintKind.CHECK:
                    yield Report(step, f"CHECK constraint{name} on {op.table} is validated under an ACCESS "
                                       "EXCLUSIVE lock, blocking reads and writes")

    @staticmethod
    def has_values(column: Column, framework: Framework) -> bool:
        """Whether a new column holds values to validate the moment it is added.

        ADD COLUMN … REFERENCES without a DEFAULT clause is NULL everywhere, so PostgreSQL marks the key
        valid without a scan (parse_utilcmd.c, transformFKConstraints; Django's inline FK is this case). A
        default, a serial or identity sequence or a stored expression fills it; Django adds a NOT NULL
        ForeignKey with its one-off default; Alembic's add_column sends the key as a separate ADD CONSTRAINT.
        """
        if framework is Framework.ALEMBIC:
            return True
        filled = column.default is not None or column.serial or column.identity or column.stored_generated
        return filled or (framework is Framework.DJANGO and column.not_null)
