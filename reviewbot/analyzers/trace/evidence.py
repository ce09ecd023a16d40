"""What the trace measured: per statement the locks, rewrites, scans, time and the concurrent probes."""

from __future__ import annotations

from dataclasses import dataclass, field

from reviewbot.analyzers.migrations.sql import parse_sql_operations
from reviewbot.analyzers.trace.script import Statement

# pg_locks.mode -> the name the docs (and our messages) use
MODE_NAMES = {
    "AccessShareLock": "ACCESS SHARE", "RowShareLock": "ROW SHARE", "RowExclusiveLock": "ROW EXCLUSIVE",
    "ShareUpdateExclusiveLock": "SHARE UPDATE EXCLUSIVE", "ShareLock": "SHARE",
    "ShareRowExclusiveLock": "SHARE ROW EXCLUSIVE", "ExclusiveLock": "EXCLUSIVE",
    "AccessExclusiveLock": "ACCESS EXCLUSIVE",
}
MODE_RANK = {name: rank for rank, name in enumerate(MODE_NAMES.values(), start=1)}
# Table-level lock conflicts (PG docs, "Explicit Locking", table 13.2): what an ordinary SELECT
# (ACCESS SHARE) and UPDATE/INSERT/DELETE (ROW EXCLUSIVE) wait for.
BLOCKS_READS = frozenset({"ACCESS EXCLUSIVE"})
BLOCKS_WRITES = frozenset({"SHARE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE"})


def touched_names(sql: str) -> list[str]:
    """The tables a statement names (as PostgreSQL stores unquoted names), its main table first."""
    out: list[str] = []
    for op in parse_sql_operations(sql).operations:
        names = [op.table, op.references, *(c.references for c in op.columns)]
        for name in names:
            if name:
                short = name.rsplit(".", 1)[-1].strip('"')
                if short not in out:
                    out.append(short)
    return out


def mode_name(pg_mode: str) -> str:
    return MODE_NAMES.get(pg_mode, pg_mode)


def strongest(modes: list[str] | tuple[str, ...]) -> str:
    return max(modes, key=lambda m: MODE_RANK.get(m, 0)) if modes else ""


@dataclass(frozen=True, slots=True)
class Lock:
    """A relation lock the migration's session holds."""

    relation: str  # the locked relation (table, index, sequence…), unqualified
    table: str  # the table it belongs to (an index's table; the relation itself for a table)
    kind: str  # table, index, sequence, view, other
    mode: str  # "ACCESS EXCLUSIVE"
    existed: bool  # the relation existed before the traced migrations

    @property
    def blocks_writes(self) -> bool:
        return self.mode in BLOCKS_WRITES

    @property
    def blocks_reads(self) -> bool:
        return self.mode in BLOCKS_READS


@dataclass(frozen=True, slots=True)
class Probe:
    """An ordinary read and write on `table` from a second session with a short lock_timeout."""

    table: str
    read_blocked: bool | None  # None: not measured (the statement ended before the probe)
    write_blocked: bool | None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Scan:
    table: str
    scans: int
    rows: int


@dataclass(frozen=True, slots=True)
class StatementTrace:
    statement: Statement
    transaction: int  # 0: autocommit (its own transaction)
    seconds: float = 0.0
    sqlstate: str | None = None
    error: str | None = None
    locks: tuple[Lock, ...] = ()  # held by the session after the statement (same transaction)
    acquired: tuple[Lock, ...] = ()  # the ones this statement added or strengthened
    rewritten: tuple[str, ...] = ()  # existing tables whose relfilenode changed
    scans: tuple[Scan, ...] = ()  # sequential scans of existing tables
    probes: tuple[Probe, ...] = ()
    lock_timeout_ms: int = 0  # in force when the statement started
    skipped: str = ""  # why it did not run (an earlier statement of its migration failed)
    held_seconds: float = 0.0  # from this statement's start to the end of its transaction

    @property
    def ran(self) -> bool:
        return not self.skipped

    @property
    def failed(self) -> bool:
        return self.error is not None

    def locks_on(self, table: str, acquired_only: bool = False) -> list[Lock]:
        """Table-level locks on `table` (its indexes' locks are listed with them, not here)."""
        pool = self.acquired if acquired_only else self.locks
        return [lock for lock in pool if lock.table == table and lock.relation == table]

    def strongest_on(self, table: str, acquired_only: bool = False) -> str:
        return strongest([lock.mode for lock in self.locks_on(table, acquired_only)])

    def scanned(self, table: str) -> Scan | None:
        return next((s for s in self.scans if s.table == table), None)

    def probe(self, table: str) -> Probe | None:
        return next((p for p in self.probes if p.table == table), None)


@dataclass(frozen=True, slots=True)
class MigrationTrace:
    path: str
    runner: str
    statements: tuple[StatementTrace, ...]


@dataclass(frozen=True, slots=True)
class TraceReport:
    """The whole trace of one change: where it ran, what it replayed and what it could not."""

    server: str  # "PostgreSQL 15.18"
    server_major: int
    target_major: int
    rows: int  # synthetic rows per touched table (requested)
    seeded: tuple[tuple[str, int], ...] = ()  # table -> rows actually present
    migrations: tuple[MigrationTrace, ...] = ()
    not_replayed: tuple[tuple[str, str], ...] = ()  # path -> why
    notes: tuple[str, ...] = ()
    seconds: float = 0.0
    statements: tuple[StatementTrace, ...] = field(default=())

    def at(self, path: str, line: int) -> list[StatementTrace]:
        """The traced statements of `path` whose lines include `line`."""
        return [
            s for m in self.migrations if m.path == path for s in m.statements
            if s.statement.line <= line <= max(s.statement.end_line, s.statement.line)
        ]

    def rows_in(self, table: str) -> int:
        return dict(self.seeded).get(table, 0)

    @property
    def version_note(self) -> str:
        if self.server_major == self.target_major:
            return self.server
        return f"{self.server}, target {self.target_major}"
