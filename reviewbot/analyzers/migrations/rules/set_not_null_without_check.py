"""RB406 set-not-null-without-check: SET NOT NULL on a live table without a validated CHECK proving it."""

from __future__ import annotations

from collections.abc import Iterator

from reviewbot.analyzers.migrations.model import ConstraintKind, Framework, OpKind
from reviewbot.analyzers.migrations.rule import POSTGRES_DOCS, MigrationRule, Report, column_label
from reviewbot.analyzers.migrations.timeline import Step, Timeline, table_key
from reviewbot.core.findings import Confidence
from reviewbot.core.rules import Bad, Good


class SetNotNullWithoutCheck(MigrationRule):
    code = "RB406"
    name = "set-not-null-without-check"
    summary = "SET NOT NULL on an existing column scans the table because no validated CHECK proves it."
    lock = "ACCESS EXCLUSIVE during a full-table scan: all reads and writes on the table wait."
    postgres = (
        "PG 12+ skips the scan when a valid CHECK (col IS NOT NULL) exists; before 12 there is no online path."
    )
    options = ("migrations.postgres-version",)
    rationale = (
        "SET NOT NULL reads every row under ACCESS EXCLUSIVE. Since PostgreSQL 12 a validated CHECK "
        "constraint proving the column non-null lets it skip the scan. SQL: `ADD CONSTRAINT c CHECK (col IS "
        "NOT NULL) NOT VALID;` commit; `VALIDATE CONSTRAINT c;` (SHARE UPDATE EXCLUSIVE, writes go on); "
        "`ALTER COLUMN col SET NOT NULL; DROP CONSTRAINT c;`. Alembic: op.create_check_constraint(..., "
        "postgresql_not_valid=True), VALIDATE via op.execute in a later revision, then op.alter_column("
        "nullable=False). Django: AddConstraintNotValid + ValidateConstraint (django.contrib.postgres) in "
        "separate migrations, then AlterField(null=False)."
    )
    help = "Prove the column non-null with a validated CHECK first, then SET NOT NULL."
    recipes = {
        Framework.SQL: (
            "ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID; commit; VALIDATE CONSTRAINT c; then "
            "ALTER COLUMN col SET NOT NULL (no scan on PG 12+) and DROP CONSTRAINT c."
        ),
        Framework.ALEMBIC: (
            "op.create_check_constraint(name, table, \"col IS NOT NULL\", postgresql_not_valid=True); in a "
            "later revision op.execute(\"ALTER TABLE … VALIDATE CONSTRAINT name\"), then "
            "op.alter_column(table, col, nullable=False) and drop the check."
        ),
        Framework.DJANGO: (
            "AddConstraintNotValid(CheckConstraint(condition=Q(col__isnull=False))), ValidateConstraint in "
            "a later migration, then AlterField(null=False) and RemoveConstraint."
        ),
    }
    references = (f"{POSTGRES_DOCS}/sql-altertable.html#SQL-ALTERTABLE-DESC-SET-DROP-NOT-NULL",)
    examples = (
        Bad("ALTER TABLE payments ALTER COLUMN customer_id SET NOT NULL;\n", line=1,
            path="migrations/0042_payments_customer_required.sql", confidence=Confidence.HIGH),
        Bad(
            "import sqlalchemy as sa\nfrom alembic import op\n\n\ndef upgrade():\n"
            "    op.alter_column(\"refunds\", \"reason\", existing_type=sa.Text(), nullable=False)\n",
            line=6, path="alembic/versions/7c1e_refund_reason_required.py",
        ),
        Bad("ALTER TABLE payouts ALTER COLUMN merchant_id SET NOT NULL;\n", line=1,
            path="migrations/0043_payouts_merchant_required.sql"),
        Bad(
            "CREATE TABLE payouts (id bigint PRIMARY KEY, merchant_id bigint NOT NULL);\n"
            "ALTER TABLE merchants ALTER COLUMN country SET NOT NULL;\n",
            line=2, path="supabase/migrations/20240501120000_payouts.sql", confidence=Confidence.MEDIUM,
        ),
        Good(
            "ALTER TABLE payments VALIDATE CONSTRAINT payments_customer_id_not_null;\n"
            "ALTER TABLE payments ALTER COLUMN customer_id SET NOT NULL;\n"
            "ALTER TABLE payments DROP CONSTRAINT payments_customer_id_not_null;\n",
            path="migrations/0043_payments_customer_required.sql",
        ),
        Good(
            "ALTER TABLE payments ADD CONSTRAINT customer_nn CHECK (customer_id IS NOT NULL);\n"
            "ALTER TABLE payments ALTER COLUMN customer_id SET NOT NULL;\n",
            path="migrations/0042_payments_customer_required.sql",
        ),
        Good(
            "CREATE TABLE payouts (id bigint PRIMARY KEY, merchant_id bigint);\n"
            "ALTER TABLE payouts ALTER COLUMN merchant_id SET NOT NULL;\n",
            path="migrations/0044_payouts.sql",
        ),
    )

    def check(self, timeline: Timeline) -> Iterator[Report]:
        for step in timeline.steps:
            op = step.op
            if op.kind is not OpKind.SET_NOT_NULL or step.table_is_new:
                continue
            if self.migrations.postgres_version >= 12 and self.is_proven(timeline, step):
                continue
            yield Report(step, f"SET NOT NULL on {column_label(step)} scans the whole table under an "
                               "ACCESS EXCLUSIVE lock, blocking reads and writes")

    def is_proven(self, timeline: Timeline, step: Step) -> bool:
        """A validated CHECK (col IS NOT NULL) earlier in the file, or a VALIDATE of one added earlier."""
        table = table_key(step.op.table)
        column = (step.op.column_name or "").lower()
        not_valid: dict[str, tuple[str, ...]] = {}
        for earlier in timeline.before(step):
            op = earlier.op
            if table_key(op.table) != table:
                continue
            if op.kind is OpKind.ADD_CONSTRAINT and op.constraint is ConstraintKind.CHECK:
                proves = tuple(c.lower() for c in op.proves_not_null)
                if not op.not_valid and column in proves:
                    return True
                if op.not_valid and op.constraint_name:
                    not_valid[op.constraint_name.lower()] = proves
            elif op.kind is OpKind.VALIDATE_CONSTRAINT and op.constraint_name:
                known = not_valid.get(op.constraint_name.lower())
                # A constraint added by an earlier migration: trust the VALIDATE (it cannot be read here).
                if known is None or column in known:
                    return True
        return False
