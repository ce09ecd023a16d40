"""RB412 lock-without-timeout: a write-blocking lock requested with no lock_timeout set."""

from __future__ import annotations

from collections.abc import Iterator

from reviewbot.analyzers.migrations.model import Framework
from reviewbot.analyzers.migrations.rule import POSTGRES_DOCS, MigrationRule, Report
from reviewbot.analyzers.migrations.timeline import Timeline, lock_of
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Bad, Good


class LockWithoutTimeout(MigrationRule):
    code = "RB412"
    name = "lock-without-timeout"
    # A warning, not an error: it fires on most migrations of real projects (squawk's equivalent is the
    # noisiest migration rule there is), and many teams set lock_timeout once, in the runner.
    severity = Severity.WARNING
    summary = "A write-blocking lock on an existing table is requested with no non-zero lock_timeout set."
    lock = (
        "Any write-blocking lock (SHARE and stronger). While it waits behind a long transaction, every "
        "later query on the table queues behind it — an outage even for an instant ALTER."
    )
    postgres = "all versions"
    options = ("migrations.lock-timeout-set-by-runner",)
    rationale = (
        "A queued ACCESS EXCLUSIVE request blocks all later reads and writes on the table until it is "
        "granted; behind a slow report query that is minutes of failed checkouts. A lock_timeout makes the "
        "migration fail fast and retry instead. CONCURRENTLY builds, VALIDATE and ADD VALUE do not block "
        "writes and need none (a lock_timeout would even cancel a CONCURRENTLY build). SQL: `SET "
        "lock_timeout = '2s';` first. Alembic: `op.execute(\"SET lock_timeout = '2s'\")` at the top of "
        "upgrade(). Django: a first `migrations.RunSQL(\"SET lock_timeout = '2s'\")`. Teams who set "
        "lock_timeout in the runner (the role, the connection options, env.py or the deploy script) set "
        "`lock-timeout-set-by-runner = true` under [tool.reviewbot.migrations], which silences this rule. "
        "It is a warning by default because it fires on most migrations of real projects."
    )
    help = "SET lock_timeout (e.g. '2s') before the first write-blocking statement, and retry on timeout."
    recipes = {
        Framework.SQL: "Start the migration with SET lock_timeout = '2s'; and retry the deploy if it times out.",
        Framework.ALEMBIC: "Begin upgrade() with op.execute(\"SET lock_timeout = '2s'\") (or set it in env.py).",
        Framework.DJANGO: (
            "Begin operations with migrations.RunSQL(\"SET lock_timeout = '2s'\", migrations.RunSQL.noop), or "
            "set it on the connection (OPTIONS -c lock_timeout=2000) and set "
            "migrations.lock-timeout-set-by-runner = true."
        ),
    }
    references = (f"{POSTGRES_DOCS}/runtime-config-client.html#GUC-LOCK-TIMEOUT",
                  f"{POSTGRES_DOCS}/explicit-locking.html")
    examples = (
        Bad("ALTER TABLE payments ADD COLUMN note text;\n", line=1, path="migrations/0042_payments_note.sql", confidence=Confidence.HIGH),
        Bad("SET lock_timeout = 0;\nALTER TABLE payments ALTER COLUMN status SET DEFAULT 'pending';\n", line=2,
            path="migrations/0043_status_default.sql"),
        Bad(
            "import sqlalchemy as sa\nfrom alembic import op\n\n\ndef upgrade():\n"
            "    op.add_column(\"refunds\", sa.Column(\"reason\", sa.Text(), nullable=True))\n",
            line=6, path="alembic/versions/7c1d_refund_reason.py",
        ),
        Bad(
            "CREATE TABLE payouts (id bigint PRIMARY KEY, merchant_id bigint NOT NULL);\n"
            "ALTER TABLE merchants ADD COLUMN payout_note text;\n",
            line=2, path="supabase/migrations/20240501120000_payouts.sql", confidence=Confidence.MEDIUM,
        ),
        Good("SET lock_timeout = '2s';\nALTER TABLE payments ADD COLUMN note text;\n",
             path="migrations/0042_payments_note.sql"),
        Good("CREATE INDEX CONCURRENTLY ix_payments_note ON payments (note);\n",
             path="migrations/0044_payments_note_index.sql"),
        Good(
            "import sqlalchemy as sa\nfrom alembic import op\n\n\ndef upgrade():\n"
            "    op.execute(\"SET lock_timeout = '2s'\")\n"
            "    op.add_column(\"refunds\", sa.Column(\"reason\", sa.Text(), nullable=True))\n",
            path="alembic/versions/7c1d_refund_reason.py",
        ),
        Good("CREATE TABLE payouts (id bigint PRIMARY KEY);\nALTER TABLE payouts ADD COLUMN note text;\n",
             path="migrations/0045_payouts.sql"),
    )

    def check(self, timeline: Timeline) -> Iterator[Report]:
        if self.migrations.lock_timeout_set_by_runner:
            return
        for step in timeline.steps:
            op = step.op
            if op.table is None or step.table_is_new or step.lock_timeout_ms > 0:
                continue
            lock = lock_of(op)
            if lock is None:
                continue
            mode, blocks = lock
            yield Report(step, f"{mode} lock on {op.table} requested with no lock_timeout: while it waits it "
                               f"{blocks} for every later query")
            return  # one per migration: the fix is one SET at the top
