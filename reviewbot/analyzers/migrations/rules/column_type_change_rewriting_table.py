"""RB405 column-type-change-rewriting-table: ALTER COLUMN … TYPE that is not binary-coercible."""

from __future__ import annotations

from collections.abc import Iterator

from reviewbot.analyzers.migrations.model import ColumnType, Framework, OpKind
from reviewbot.analyzers.migrations.pgtypes import is_possibly_coercible_target, is_rewriting_type_change
from reviewbot.analyzers.migrations.rule import POSTGRES_DOCS, MigrationRule, Report, column_label
from reviewbot.analyzers.migrations.timeline import Timeline
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Bad, Good


class ColumnTypeChangeRewritingTable(MigrationRule):
    code = "RB405"
    name = "column-type-change-rewriting-table"
    summary = "A column's type change rewrites an existing table and rebuilds its indexes."
    lock = "ACCESS EXCLUSIVE for the rewrite and every index rebuild: all reads and writes on the table wait."
    postgres = (
        "varchar widening, varchar→text and numeric precision increase at the same scale are catalog-only on "
        "all supported versions; timestamp↔timestamptz is catalog-only from PG 12 when the session TimeZone "
        "is UTC (config migrations.session-timezone-utc)."
    )
    options = ("migrations.session-timezone-utc", "migrations.postgres-version")
    rationale = (
        "int→bigint, numeric scale changes, varchar shrinking, text→varchar(n), json→jsonb and most other "
        "changes rewrite every row under ACCESS EXCLUSIVE. SQL: expand/contract — add the new column, "
        "dual-write with a trigger, backfill in batches, switch reads, drop the old column. Alembic: the same "
        "with op.add_column + op.execute for the trigger and batched backfill; pass existing_type= so the "
        "gate can tell safe widenings. Django: add a new field, backfill with batched RunPython in a "
        "non-atomic migration, switch code, remove the old field."
    )
    help = "Change the type by expand/contract: new column, dual write, batched backfill, swap."
    recipes = {
        Framework.SQL: (
            "Add a new column of the new type, keep it in sync with a trigger, backfill in batches, switch "
            "reads, then drop the old column (widening varchar/numeric precision is already safe)."
        ),
        Framework.ALEMBIC: (
            "Pass existing_type= so safe widenings are recognised; otherwise add a new column, sync it with "
            "a trigger (op.execute), backfill in batches outside the transaction, swap, drop the old one."
        ),
        Framework.DJANGO: (
            "Add a new field, backfill in batches (RunPython in a migration with atomic = False), switch the "
            "code to it, then remove the old field."
        ),
    }
    references = (f"{POSTGRES_DOCS}/sql-altertable.html#SQL-ALTERTABLE-NOTES",)
    examples = (
        Bad("ALTER TABLE ledger_entries ALTER COLUMN id TYPE bigint;\n", line=1,
            path="migrations/0042_ledger_bigint.sql", confidence=Confidence.HIGH),
        Bad("ALTER TABLE payments ALTER COLUMN metadata TYPE jsonb USING metadata::jsonb;\n", line=1,
            path="migrations/0043_payments_jsonb.sql"),
        Bad(
            "import sqlalchemy as sa\nfrom alembic import op\n\n\ndef upgrade():\n"
            "    op.alter_column(\"charges\", \"amount\", type_=sa.Numeric(19, 4), existing_type=sa.Numeric(19, 2))\n",
            line=6, path="alembic/versions/9a1b_charge_amount_scale.py",
        ),
        Bad(
            "CREATE TABLE payouts (id bigint PRIMARY KEY, merchant_id bigint NOT NULL);\n"
            "ALTER TABLE merchants ALTER COLUMN id TYPE bigint;\n",
            line=2, path="supabase/migrations/20240501120000_payouts.sql", confidence=Confidence.MEDIUM,
        ),
        Good(
            "import sqlalchemy as sa\nfrom alembic import op\n\n\ndef upgrade():\n"
            "    op.alter_column(\"payments\", \"description\", type_=sa.Text(), existing_type=sa.String(200))\n",
            path="alembic/versions/9a1e_description_text.py",
        ),
        Good(
            "import sqlalchemy as sa\nfrom alembic import op\n\n\ndef upgrade():\n"
            "    op.alter_column(\"charges\", \"statement_descriptor\", type_=sa.String(64), "
            "existing_type=sa.String(22))\n",
            path="alembic/versions/9a1c_descriptor_length.py",
        ),
        Good(
            "import sqlalchemy as sa\nfrom alembic import op\n\n\ndef upgrade():\n"
            "    op.alter_column(\"charges\", \"amount\", type_=sa.Numeric(20, 4), existing_type=sa.Numeric(19, 4))\n",
            path="alembic/versions/9a1d_amount_precision.py",
        ),
    )

    def check(self, timeline: Timeline) -> Iterator[Report]:
        for step in timeline.steps:
            op = step.op
            if op.kind is not OpKind.ALTER_COLUMN_TYPE or step.table_is_new or op.new_type is None:
                continue
            new = op.new_type
            label = column_label(step)
            lock = "rewrites the table under an ACCESS EXCLUSIVE lock, blocking reads and writes"
            if op.old_type is not None:
                if self.rewrites(op.old_type, new) or (op.using and op.old_type != new):
                    yield Report(step, f"type change of {label} from {op.old_type.render()} to {new.render()} {lock}")
            elif op.using or not self.maybe_coercible(new):
                yield Report(step, f"type change of {label} to {new.render()} {lock}")
            else:
                yield Report(
                    step,
                    f"type change of {label} to {new.render()} {lock} unless the old type is binary-coercible "
                    "(old type unknown)",
                    severity=Severity.WARNING,
                )

    def rewrites(self, old: ColumnType, new: ColumnType) -> bool:
        return is_rewriting_type_change(
            old, new, session_utc=self.migrations.session_timezone_utc,
            postgres_version=self.migrations.postgres_version,
        )

    def maybe_coercible(self, new: ColumnType) -> bool:
        if new.name in ("timestamp", "timestamptz"):
            return self.migrations.session_timezone_utc and self.migrations.postgres_version >= 12
        return is_possibly_coercible_target(new)
