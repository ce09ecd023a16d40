"""RB404 column-add-rewriting-table: an added column whose value is computed per row, rewriting the table."""

from __future__ import annotations

from collections.abc import Iterator

from reviewbot.analyzers.migrations.model import Column, Framework, OpKind
from reviewbot.analyzers.migrations.rule import POSTGRES_DOCS, MigrationRule, Report, column_label
from reviewbot.analyzers.migrations.timeline import Timeline
from reviewbot.core.findings import Confidence
from reviewbot.core.rules import Bad, Good


class ColumnAddRewritingTable(MigrationRule):
    code = "RB404"
    name = "column-add-rewriting-table"
    summary = (
        "A column with a volatile default, serial, identity or stored generated value is added to an "
        "existing table, which rewrites it."
    )
    lock = "ACCESS EXCLUSIVE for the whole table rewrite: every read and write on the table waits."
    postgres = (
        "PG 11+: constant and STABLE defaults (0, 'EUR', now()) are catalog-only; volatile ones "
        "(clock_timestamp(), random(), gen_random_uuid(), nextval()) still rewrite. Before 11 any default rewrites."
    )
    rationale = (
        "A default evaluated per row (volatile function, sequence of a serial or identity column, stored "
        "generated expression) makes PostgreSQL rewrite every row while holding ACCESS EXCLUSIVE: the "
        "payments table is unreadable for the duration. SQL: add the column without the default, "
        "`ALTER COLUMN … SET DEFAULT` separately (applies to new rows only), then backfill in batches. "
        "Alembic: add the column without server_default, then `op.alter_column(server_default=…)`, backfill "
        "outside the transaction. Django: no db_default=RandomUUID() on AddField; add nullable, set the "
        "default in a second operation, backfill in batches."
    )
    help = "Add the column without the per-row default; set the default separately and backfill in batches."
    recipes = {
        Framework.SQL: (
            "ADD COLUMN without the default; then ALTER COLUMN … SET DEFAULT <expr> (new rows only); backfill "
            "existing rows in batches; for ids, create the sequence and set it as default the same way."
        ),
        Framework.ALEMBIC: (
            "op.add_column without server_default/Identity/Computed, then op.alter_column(..., "
            "server_default=sa.text(...)) and a batched backfill outside the DDL transaction."
        ),
        Framework.DJANGO: (
            "AddField with null=True and no volatile db_default (no AutoField on an existing table); "
            "set the default in a separate AlterField and backfill in batches."
        ),
    }
    references = (f"{POSTGRES_DOCS}/ddl-alter.html#DDL-ALTER-ADDING-A-COLUMN",
                  f"{POSTGRES_DOCS}/xfunc-volatility.html")
    examples = (
        Bad("ALTER TABLE payments ADD COLUMN public_id uuid DEFAULT gen_random_uuid();\n", line=1,
            path="migrations/0042_payments_public_id.sql", confidence=Confidence.HIGH),
        Bad("ALTER TABLE ledger_entries ADD COLUMN seq bigserial;\n", line=1,
            path="migrations/0043_ledger_seq.sql"),
        Bad("ALTER TABLE charges\n  ADD COLUMN amount_total bigint GENERATED ALWAYS AS (amount + fee) STORED;\n",
            line=1, path="migrations/0044_charges_total.sql"),
        Bad(
            "import sqlalchemy as sa\nfrom alembic import op\n\n\ndef upgrade():\n"
            "    op.add_column(\"refunds\", sa.Column(\"token\", sa.Uuid(), "
            "server_default=sa.text(\"gen_random_uuid()\")))\n",
            line=6, path="alembic/versions/7c1d_refund_token.py",
        ),
        Bad(
            "CREATE TABLE payouts (id bigint PRIMARY KEY, merchant_id bigint NOT NULL);\n"
            "ALTER TABLE merchants ADD COLUMN payout_key uuid DEFAULT gen_random_uuid();\n",
            line=2, path="supabase/migrations/20240501120000_payouts.sql", confidence=Confidence.MEDIUM,
        ),
        Good("ALTER TABLE payments ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();\n",
             path="migrations/0042_payments_created_at.sql"),
        Good("ALTER TABLE payments ADD COLUMN public_id uuid;\n"
             "ALTER TABLE payments ALTER COLUMN public_id SET DEFAULT gen_random_uuid();\n",
             path="migrations/0042_payments_public_id.sql"),
        Good("CREATE TABLE payouts (id bigserial PRIMARY KEY, token uuid DEFAULT gen_random_uuid());\n",
             path="migrations/0045_payouts.sql"),
    )

    def check(self, timeline: Timeline) -> Iterator[Report]:
        for step in timeline.steps:
            col = step.op.column
            if step.op.kind is not OpKind.ADD_COLUMN or step.table_is_new or col is None:
                continue
            reason = self.rewrite_reason(col)
            if reason:
                yield Report(step, f"ADD COLUMN {column_label(step)} {reason} rewrites the table under an "
                                   "ACCESS EXCLUSIVE lock, blocking reads and writes")

    def rewrite_reason(self, col: Column) -> str:
        if col.serial:
            return "as serial (nextval() per row)"
        if col.identity:
            return "as an identity column"
        if col.stored_generated:
            return "as a stored generated column"
        if col.default is not None and col.default.volatile:
            return f"with volatile default {col.default.text}"
        if col.default is not None and self.migrations.postgres_version < 11:
            return f"with default {col.default.text} on PostgreSQL {self.migrations.postgres_version}"
        return ""
