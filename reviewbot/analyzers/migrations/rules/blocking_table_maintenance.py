"""RB414 blocking-table-maintenance: VACUUM FULL, CLUSTER, REINDEX, LOCK TABLE or a table rebuild."""

from __future__ import annotations

from collections.abc import Iterator

from reviewbot.analyzers.migrations.model import Framework, OpKind
from reviewbot.analyzers.migrations.rule import POSTGRES_DOCS, MigrationRule, Report
from reviewbot.analyzers.migrations.timeline import Timeline, lock_of
from reviewbot.core.findings import Confidence
from reviewbot.core.rules import Bad, Good

_LABELS = {
    OpKind.VACUUM_FULL: "VACUUM FULL rewrites",
    OpKind.CLUSTER: "CLUSTER rewrites",
    OpKind.REINDEX: "REINDEX rebuilds the indexes of",
    OpKind.LOCK_TABLE: "LOCK TABLE locks",
    OpKind.TABLE_REBUILD: "batch_alter_table(recreate=\"always\") copies and replaces",
}


class BlockingTableMaintenance(MigrationRule):
    code = "RB414"
    name = "blocking-table-maintenance"
    summary = "A migration runs VACUUM FULL, CLUSTER, REINDEX without CONCURRENTLY, LOCK TABLE or a table rebuild."
    lock = (
        "VACUUM FULL, CLUSTER and table rebuilds: ACCESS EXCLUSIVE for the whole rewrite (reads and writes "
        "wait). REINDEX: SHARE on the table (writes wait) and ACCESS EXCLUSIVE on each index. LOCK TABLE: the "
        "mode named, until commit."
    )
    postgres = "REINDEX CONCURRENTLY exists from PG 12; REPACK (CONCURRENTLY) is expected in PG 19."
    options = ("migrations.postgres-version",)
    rationale = (
        "These commands hold a table lock for as long as they take to copy or rebuild a whole table. "
        "SQL: `REINDEX … CONCURRENTLY` (PG 12+); reclaim space with pg_repack or pg_squeeze instead of "
        "VACUUM FULL / CLUSTER; avoid explicit LOCK TABLE in migrations (let each statement take its lock "
        "with a lock_timeout). Alembic: plain op.* ALTERs instead of batch_alter_table(recreate=\"always\") "
        "on PostgreSQL. Django: RunSQL of these commands has the same effect; run maintenance outside "
        "migrations."
    )
    help = "Run maintenance online (REINDEX CONCURRENTLY, pg_repack), not in a migration holding table locks."
    recipes = {
        Framework.SQL: "Use REINDEX … CONCURRENTLY; use pg_repack/pg_squeeze instead of VACUUM FULL/CLUSTER; drop LOCK TABLE.",
        Framework.ALEMBIC: "Use plain op.* ALTERs on PostgreSQL (no recreate=\"always\"); REINDEX CONCURRENTLY in autocommit_block.",
        Framework.DJANGO: "Keep VACUUM FULL/CLUSTER/LOCK TABLE out of RunSQL; REINDEX CONCURRENTLY in an atomic = False migration.",
    }
    references = (f"{POSTGRES_DOCS}/sql-vacuum.html", f"{POSTGRES_DOCS}/sql-cluster.html",
                  f"{POSTGRES_DOCS}/sql-reindex.html", f"{POSTGRES_DOCS}/sql-lock.html")
    examples = (
        Bad("VACUUM FULL payments;\n", line=1, path="migrations/0042_vacuum_payments.sql", confidence=Confidence.HIGH),
        Bad("REINDEX TABLE ledger_entries;\n", line=1, path="migrations/0043_reindex_ledger.sql"),
        Bad("BEGIN;\nLOCK TABLE balances IN ACCESS EXCLUSIVE MODE;\nUPDATE balances SET version = 2;\nCOMMIT;\n",
            line=2, path="migrations/0044_balances_version.sql"),
        Bad(
            "from alembic import op\n\n\ndef upgrade():\n"
            "    with op.batch_alter_table(\"charges\", recreate=\"always\") as batch_op:\n"
            "        batch_op.drop_column(\"legacy_flag\")\n",
            line=5, path="alembic/versions/4d3e_charges_rebuild.py",
        ),
        Bad(
            "CREATE TABLE payouts (id bigint PRIMARY KEY, merchant_id bigint NOT NULL);\n"
            "VACUUM FULL merchants;\n",
            line=2, path="supabase/migrations/20240501120000_payouts.sql", confidence=Confidence.MEDIUM,
        ),
        Good("REINDEX TABLE CONCURRENTLY ledger_entries;\n", path="migrations/0043_reindex_ledger.sql"),
        Good("VACUUM (ANALYZE) payments;\n", path="migrations/0042_analyze_payments.sql"),
        Good("BEGIN;\nLOCK TABLE balances IN ACCESS SHARE MODE;\nCOMMIT;\n", path="migrations/0045_read_lock.sql"),
    )

    def check(self, timeline: Timeline) -> Iterator[Report]:
        for step in timeline.steps:
            op = step.op
            if op.kind not in _LABELS or op.concurrently or step.table_is_new:
                continue
            lock = lock_of(op)
            if lock is None:
                continue
            target = op.table or "the table"
            yield Report(step, f"{_LABELS[op.kind]} {target} under a {lock[0]} lock that {lock[1]}")
