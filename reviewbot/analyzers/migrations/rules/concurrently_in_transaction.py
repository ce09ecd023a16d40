"""RB402 concurrently-in-transaction: CONCURRENTLY inside a transaction, where PostgreSQL refuses it."""

from __future__ import annotations

from collections.abc import Iterator

from reviewbot.analyzers.migrations.model import Framework, OpKind
from reviewbot.analyzers.migrations.rule import POSTGRES_DOCS, MigrationRule, Report, transaction_phrase
from reviewbot.analyzers.migrations.timeline import Timeline
from reviewbot.core.findings import Confidence
from reviewbot.core.rules import Bad, Evidence, Good

_VERBS = {
    OpKind.CREATE_INDEX: "CREATE INDEX CONCURRENTLY",
    OpKind.DROP_INDEX: "DROP INDEX CONCURRENTLY",
    OpKind.REINDEX: "REINDEX CONCURRENTLY",
}


class ConcurrentlyInTransaction(MigrationRule):
    code = "RB402"
    name = "concurrently-in-transaction"
    summary = "A CONCURRENTLY operation runs inside a transaction block, explicit or made by the runner."
    lock = (
        "None is taken: the statement fails with 'cannot run inside a transaction block' (SQLSTATE 25001), "
        "so the deploy stops halfway."
    )
    postgres = "all versions"
    rationale = (
        "The runner decides whether a file runs in a transaction: drizzle runs all pending migrations in "
        "one, diesel wraps each up.sql, golang-migrate and Prisma send a multi-statement file as one "
        "implicit transaction, Alembic and Django wrap each migration. A CONCURRENTLY build there fails "
        "at deploy time. SQL: put the statement alone in its own migration (diesel: metadata.toml "
        "`run_in_transaction = false`; golang-migrate: one statement per file; psql: outside "
        "BEGIN/COMMIT). Alembic: `with op.get_context().autocommit_block():`. Django: `atomic = False`."
    )
    help = "Run the CONCURRENTLY statement outside any transaction, alone in its migration."
    recipes = {
        Framework.SQL: (
            "Move the statement to its own migration that runs outside a transaction: no BEGIN around it; "
            "diesel: metadata.toml run_in_transaction = false; golang-migrate/Prisma: one statement in the "
            "file; drizzle: apply it outside drizzle's migrator."
        ),
        Framework.ALEMBIC: "Put the op inside `with op.get_context().autocommit_block():`.",
        Framework.DJANGO: "Set `atomic = False` on the Migration class (keep the concurrent operation alone).",
    }
    references = (f"{POSTGRES_DOCS}/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY",
                  f"{POSTGRES_DOCS}/protocol-flow.html#PROTOCOL-FLOW-MULTI-STATEMENT")
    on_existing_tables = False
    evidence = (Evidence(
        Confidence.HIGH,
        "a CONCURRENTLY statement inside BEGIN … COMMIT, a DO block, or a file its runner wraps in "
        "a transaction",
    ),)
    examples = (
        Bad("BEGIN;\nCREATE INDEX CONCURRENTLY ix_refunds_charge ON refunds (charge_id);\nCOMMIT;\n",
            line=2, path="migrations/0050_refunds_charge.sql", confidence=Confidence.HIGH),
        Bad("SET statement_timeout = '10min';\nCREATE INDEX CONCURRENTLY ix_refunds_charge ON refunds (charge_id);\n",
            line=2, path="migrations/000050_refunds_charge.up.sql"),
        Bad(
            "from alembic import op\n\n\ndef upgrade():\n"
            "    op.create_index(\"ix_charges_customer\", \"charges\", [\"customer_id\"], "
            "postgresql_concurrently=True)\n",
            line=5, path="alembic/versions/3f2a_charges_customer.py",
        ),
        Good("CREATE INDEX CONCURRENTLY ix_refunds_charge ON refunds (charge_id);\n",
             path="migrations/000050_refunds_charge.up.sql"),
        Good("SET lock_timeout = '2s';\nCREATE INDEX CONCURRENTLY ix_refunds_charge ON refunds (charge_id);\n",
             path="migrations/0050_refunds_charge.sql"),
        Good(
            "from alembic import op\n\n\ndef upgrade():\n    with op.get_context().autocommit_block():\n"
            "        op.create_index(\"ix_charges_customer\", \"charges\", [\"customer_id\"], "
            "postgresql_concurrently=True)\n",
            path="alembic/versions/3f2a_charges_customer.py",
        ),
    )

    def check(self, timeline: Timeline) -> Iterator[Report]:
        for step in timeline.steps:
            op = step.op
            if op.concurrently and step.in_transaction:
                verb = _VERBS.get(op.kind, "DETACH PARTITION CONCURRENTLY")
                target = f" on {op.table}" if op.table else ""
                yield Report(
                    step,
                    f"{verb}{target} runs {transaction_phrase(timeline, step)} and fails with "
                    "'cannot run inside a transaction block'",
                )
