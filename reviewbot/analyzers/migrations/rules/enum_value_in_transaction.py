"""RB415 enum-value-in-transaction: ALTER TYPE … ADD VALUE where the transaction makes it fail."""

from __future__ import annotations

from collections.abc import Iterator

from reviewbot.analyzers.migrations.model import Framework, OpKind
from reviewbot.analyzers.migrations.rule import POSTGRES_DOCS, MigrationRule, Report, transaction_phrase
from reviewbot.analyzers.migrations.timeline import Timeline
from reviewbot.core.findings import Confidence
from reviewbot.core.rules import Bad, Evidence, Good


class EnumValueInTransaction(MigrationRule):
    code = "RB415"
    name = "enum-value-in-transaction"
    summary = "An enum value is added inside a transaction that cannot allow it, so the migration fails."
    lock = (
        "No table lock: the deploy fails instead — before PG 12 ADD VALUE cannot run in a transaction block; "
        "from PG 12 the new value cannot be used before the transaction commits ('unsafe use of new value')."
    )
    postgres = "< 12: forbidden in any transaction block; 12+: allowed, but the value is unusable until commit."
    options = ("migrations.postgres-version",)
    rationale = (
        "Adding `refunded` to a payment status enum and using it in the same transaction (a backfill, a "
        "default, a CHECK) aborts the deploy. SQL: add the value in its own migration outside a "
        "transaction (PG < 12) or in a migration that does not use it; use it in the next one. Alembic: "
        "`with op.get_context().autocommit_block(): op.execute(\"ALTER TYPE … ADD VALUE …\")`. Django: "
        "RunSQL in its own migration (atomic = False on PG < 12)."
    )
    help = "Add the enum value in its own migration (outside a transaction before PG 12); use it in the next."
    recipes = {
        Framework.SQL: "Put ALTER TYPE … ADD VALUE alone in its migration (outside a transaction before PG 12); use the value in the next migration.",
        Framework.ALEMBIC: "Run the ALTER TYPE … ADD VALUE inside op.get_context().autocommit_block(); use the value in a later revision.",
        Framework.DJANGO: "Put the RunSQL(\"ALTER TYPE … ADD VALUE …\") in its own migration (atomic = False before PG 12).",
    }
    references = (f"{POSTGRES_DOCS}/sql-altertype.html",)
    on_existing_tables = False
    evidence = (Evidence(
        Confidence.HIGH,
        "ALTER TYPE … ADD VALUE inside a transaction on a PostgreSQL version that refuses it, or "
        "whose new value the same transaction uses",
    ),)
    examples = (
        Bad(
            "ALTER TYPE payment_status ADD VALUE 'disputed';\n"
            "UPDATE payments SET status = 'disputed' WHERE dispute_id IS NOT NULL;\n",
            line=1, path="migrations/2024-05-01-120000_payment_status_disputed/up.sql", confidence=Confidence.HIGH,
        ),
        Bad(
            "from alembic import op\n\n\ndef upgrade():\n"
            "    op.execute(\"ALTER TYPE refund_status ADD VALUE 'reversed'\")\n"
            "    op.execute(\"UPDATE refunds SET status = 'reversed' WHERE reversed_at IS NOT NULL\")\n",
            line=5, path="alembic/versions/2b7e_refund_reversed.py",
        ),
        Bad("BEGIN;\nALTER TYPE payment_status ADD VALUE 'disputed';\nINSERT INTO payment_events (status)"
            " VALUES ('disputed');\nCOMMIT;\n", line=2, path="migrations/0046_disputed.sql"),
        Good("ALTER TYPE payment_status ADD VALUE 'disputed';\n",
             path="migrations/2024-05-01-120000_payment_status_disputed/up.sql"),
        Good(
            "ALTER TYPE payment_status ADD VALUE 'disputed';\n"
            "UPDATE payments SET status = 'disputed' WHERE dispute_id IS NOT NULL;\n",
            path="migrations/0047_disputed.sql",
        ),
        Good(
            "from alembic import op\n\n\ndef upgrade():\n    with op.get_context().autocommit_block():\n"
            "        op.execute(\"ALTER TYPE refund_status ADD VALUE 'reversed'\")\n",
            path="alembic/versions/2b7e_refund_reversed.py",
        ),
    )

    def check(self, timeline: Timeline) -> Iterator[Report]:
        for step in timeline.steps:
            op = step.op
            if op.kind is not OpKind.ADD_ENUM_VALUE or not step.in_transaction:
                continue
            where = transaction_phrase(timeline, step)
            if self.migrations.postgres_version < 12:
                yield Report(step, f"ALTER TYPE {op.enum_type} ADD VALUE '{op.enum_value}' runs {where} and fails "
                                   f"on PostgreSQL {self.migrations.postgres_version}")
                continue
            for other in timeline.in_transaction_with(step):
                if other.index > step.index and op.enum_value in other.op.string_literals:
                    yield Report(step, f"new value '{op.enum_value}' of {op.enum_type} is used on line "
                                       f"{other.op.line} {where}: 'unsafe use of new value' until commit")
                    break
