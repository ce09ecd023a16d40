"""RB416 measured-migration-hazard: what replaying the migration on PostgreSQL showed and no static rule said."""

from __future__ import annotations

from typing import ClassVar

from reviewbot.analyzers.documented import DocumentedRule
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Bad, Evidence, Family, Good, RuleInfo

POSTGRES_DOCS = "https://www.postgresql.org/docs/16"

# The schema the examples run against (tests replay them on a real server, like `reviewbot trace`).
EXAMPLE_SCHEMA = (
    "CREATE TABLE payments (id bigint PRIMARY KEY, amount_minor bigint NOT NULL, status text NOT NULL);\n"
)


class MeasuredMigrationHazard(DocumentedRule):
    code: ClassVar[str] = "RB416"
    name: ClassVar[str] = "measured-migration-hazard"
    family: ClassVar[Family] = Family.MIGRATIONS
    severity: ClassVar[Severity] = Severity.ERROR
    summary: ClassVar[str] = (
        "Replaying the migration on PostgreSQL showed a rewrite, a scan under a write-blocking lock, a failure, "
        "or a lock on an existing table that no static rule reported."
    )
    rationale: ClassVar[str] = (
        "Static rules know what PostgreSQL documents; `reviewbot trace` (or `--trace`) replays the change's new "
        "migrations with their runner's transactions on a disposable server, after the repository's earlier "
        "migrations and synthetic rows, and records per statement the locks held (pg_locks), whether the table "
        "was rewritten (its relfilenode changed), whether it was scanned, how long it took, and whether a second "
        "session's ordinary SELECT and UPDATE waited. Where that evidence shows a hazard on a table that existed "
        "before the migration and no RB4xx rule reported the statement, this finding reports it: an error for a "
        "rewrite, a scan under a write-blocking lock, a lock held across such a statement in the same "
        "transaction, or a statement that fails under the runner (CONCURRENTLY in a transaction, an enum value "
        "used before commit, NOT NULL without a default on a non-empty table); a warning for a write-blocking "
        "lock the static model did not predict, taken with no lock_timeout (a CREATE TABLE whose foreign key "
        "locks the referenced table is the common one), and for a data change whose row locks made a concurrent "
        "UPDATE wait (one UPDATE over a whole table holds every row until it commits: backfill in batches). The examples run against "
        f"`{EXAMPLE_SCHEMA.strip()}`. Static findings on traced files are marked confirmed (high confidence) "
        "or contradicted (info, low confidence: they do not block) in their own messages."
    )
    help: ClassVar[str] = (
        "Apply the safe recipe for what was measured: NOT VALID then VALIDATE, CONCURRENTLY outside a "
        "transaction, a nullable column and a batched backfill, and SET lock_timeout before any lock."
    )
    lock: ClassVar[str] = "As measured: the message names the mode from pg_locks and what a concurrent SELECT and UPDATE did."
    postgres: ClassVar[str] = "the server the trace ran on (its version is in the message; the target version is configured)"
    options: ClassVar[tuple[str, ...]] = ("trace.rows", "trace.probe-timeout-ms", "trace.statement-timeout-seconds")
    references: ClassVar[tuple[str, ...]] = (
        f"{POSTGRES_DOCS}/explicit-locking.html",
        f"{POSTGRES_DOCS}/view-pg-locks.html",
    )
    evidence: ClassVar[tuple[Evidence, ...]] = (
        Evidence(Confidence.HIGH, "measured on a real server: the lock, rewrite, scan or failure was observed"),
    )
    examples: ClassVar[tuple[Bad | Good, ...]] = (
        Bad("CREATE TABLE refunds (\n    id bigint PRIMARY KEY,\n    payment_id bigint NOT NULL REFERENCES payments (id)\n);\n",
            line=1, path="migrations/0042_refunds.sql", confidence=Confidence.HIGH),
        Bad("SET lock_timeout = '2s';\nUPDATE payments SET status = lower(status);\n", line=2,
            path="migrations/0043_lowercase_status.sql", confidence=Confidence.HIGH),
        Good("SET lock_timeout = '2s';\nCREATE TABLE refunds (\n    id bigint PRIMARY KEY,\n"
             "    payment_id bigint NOT NULL REFERENCES payments (id)\n);\n", path="migrations/0042_refunds.sql"),
        Good("SET lock_timeout = '2s';\nALTER TABLE payments ADD COLUMN captured_on date;\n",
             path="migrations/0044_captured_on.sql"),
    )

    @classmethod
    def info(cls) -> RuleInfo:
        from dataclasses import replace

        return replace(super().info(), language="sql", lock=cls.lock, postgres=cls.postgres, tool="trace")


TRACE_RULES: tuple[type[MeasuredMigrationHazard], ...] = (MeasuredMigrationHazard,)
