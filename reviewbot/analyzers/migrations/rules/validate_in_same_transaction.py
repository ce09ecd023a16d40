"""RB408 validate-in-same-transaction: NOT VALID and VALIDATE CONSTRAINT in one transaction."""

from __future__ import annotations

from collections.abc import Iterator

from reviewbot.analyzers.migrations.model import Framework, OpKind
from reviewbot.analyzers.migrations.rule import POSTGRES_DOCS, MigrationRule, Report, transaction_phrase
from reviewbot.analyzers.migrations.timeline import Timeline, table_key
from reviewbot.core.findings import Confidence
from reviewbot.core.rules import Bad, Good


class ValidateInSameTransaction(MigrationRule):
    code = "RB408"
    name = "validate-in-same-transaction"
    summary = "A constraint is added NOT VALID and validated in the same transaction, so NOT VALID buys nothing."
    lock = (
        "The ADD's lock (SHARE ROW EXCLUSIVE for a foreign key: writes wait; ACCESS EXCLUSIVE for a CHECK: "
        "reads and writes wait) is still held while VALIDATE scans the table."
    )
    postgres = "all versions"
    rationale = (
        "Locks are released at commit, so VALIDATE inside the ADD's transaction scans under the ADD's "
        "strong lock — exactly what NOT VALID was meant to avoid. SQL: COMMIT between them or put VALIDATE "
        "in the next migration. Alembic: VALIDATE in a later revision (or after autocommit_block). Django: "
        "ValidateConstraint in a later migration than AddConstraintNotValid."
    )
    help = "Validate the constraint in a later transaction (the next migration)."
    recipes = {
        Framework.SQL: "Move VALIDATE CONSTRAINT to the next migration (or COMMIT before it in a psql file).",
        Framework.ALEMBIC: "Run the VALIDATE CONSTRAINT op.execute in a later revision.",
        Framework.DJANGO: "Put ValidateConstraint in a later migration than AddConstraintNotValid.",
    }
    references = (f"{POSTGRES_DOCS}/sql-altertable.html#SQL-ALTERTABLE-DESC-VALIDATE-CONSTRAINT",)
    examples = (
        Bad(
            "BEGIN;\nALTER TABLE refunds ADD CONSTRAINT refunds_charge_fk\n"
            "  FOREIGN KEY (charge_id) REFERENCES charges (id) NOT VALID;\n"
            "ALTER TABLE refunds VALIDATE CONSTRAINT refunds_charge_fk;\nCOMMIT;\n",
            line=4, path="migrations/0042_refunds_charge_fk.sql", confidence=Confidence.HIGH,
        ),
        Bad(
            "ALTER TABLE payments ADD CONSTRAINT amount_positive CHECK (amount_minor > 0) NOT VALID;\n"
            "ALTER TABLE payments VALIDATE CONSTRAINT amount_positive;\n",
            line=2, path="migrations/2024-05-01-120000_amount_positive/up.sql",
        ),
        Bad(
            "from alembic import op\n\n\ndef upgrade():\n"
            "    op.create_check_constraint(\"amount_positive\", \"payments\", \"amount_minor > 0\", "
            "postgresql_not_valid=True)\n"
            "    op.execute(\"ALTER TABLE payments VALIDATE CONSTRAINT amount_positive\")\n",
            line=6, path="alembic/versions/5e21_amount_positive.py",
        ),
        Bad(
            "BEGIN;\n"
            "CREATE TABLE payouts (id bigint PRIMARY KEY, merchant_id bigint NOT NULL);\n"
            "ALTER TABLE merchant_balances ADD CONSTRAINT balance_nonnegative CHECK (amount_minor >= 0) NOT VALID;\n"
            "ALTER TABLE merchant_balances VALIDATE CONSTRAINT balance_nonnegative;\n"
            "COMMIT;\n",
            line=4, path="supabase/migrations/20240501120000_payouts.sql", confidence=Confidence.MEDIUM,
        ),
        Good(
            "ALTER TABLE refunds ADD CONSTRAINT refunds_charge_fk\n"
            "  FOREIGN KEY (charge_id) REFERENCES charges (id) NOT VALID;\n"
            "ALTER TABLE refunds VALIDATE CONSTRAINT refunds_charge_fk;\n",
            path="migrations/0042_refunds_charge_fk.sql",
        ),
        Good("ALTER TABLE payments VALIDATE CONSTRAINT amount_positive;\n",
             path="migrations/2024-05-02-120000_validate_amount_positive/up.sql"),
        Good(
            "from alembic import op\n\n\ndef upgrade():\n"
            "    op.execute(\"ALTER TABLE payments VALIDATE CONSTRAINT amount_positive\")\n",
            path="alembic/versions/5e22_validate_amount_positive.py",
        ),
    )

    def check(self, timeline: Timeline) -> Iterator[Report]:
        for step in timeline.steps:
            op = step.op
            if op.kind is not OpKind.VALIDATE_CONSTRAINT or not op.constraint_name or not step.in_transaction:
                continue
            for other in timeline.in_transaction_with(step):
                added = other.op
                if (
                    other.index < step.index
                    and added.kind is OpKind.ADD_CONSTRAINT
                    and added.not_valid
                    and (added.constraint_name or "").lower() == op.constraint_name.lower()
                    and table_key(added.table) == table_key(op.table)
                ):
                    mode = "SHARE ROW EXCLUSIVE" if added.constraint and added.constraint.value == "foreign key" \
                        else "ACCESS EXCLUSIVE"
                    yield Report(step, f"VALIDATE CONSTRAINT {op.constraint_name} runs "
                                       f"{transaction_phrase(timeline, step)} that added it NOT VALID: the "
                                       f"{mode} lock on {op.table} is held during the scan")
                    break
