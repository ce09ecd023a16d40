"""Apply statements on the scratch database: leniently for the schema, observed for the change's migrations.

Observed statements run exactly as the runner sends them. One that runs in autocommit is sent inside
BEGIN … COMMIT of its own (a single statement is its own transaction either way), so its locks can be
read before they are released; one PostgreSQL refuses in a transaction block (CONCURRENTLY, VACUUM)
runs bare while a third session samples its locks.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from reviewbot.analyzers.trace.catalog import (
    Relation,
    Snapshot,
    held_locks,
    lock_timeout_ms,
    relations,
    scan_counts,
    to_locks,
)
from reviewbot.analyzers.trace.evidence import Probe, Scan, StatementTrace, touched_names
from reviewbot.analyzers.trace.script import Control, Statement
from reviewbot.analyzers.trace.server import connect

if TYPE_CHECKING:
    import psycopg
    from psycopg import sql

# SQLSTATE classes of a statement that needs an object another migration set creates first.
DEFERRABLE_STATES = frozenset({"42P01", "42704", "42703", "3F000", "42883", "42P07", "42710"})
OBSERVER_INTERVAL_SECONDS = 0.002
HOLD_SECONDS = 2.0  # the longest the observer holds a bare statement back before letting it run


@dataclass(frozen=True, slots=True)
class ReplaySettings:
    probe_timeout_ms: int = 20
    statement_timeout_seconds: int = 300
    server_major: int = 16


def _error_parts(err: Exception) -> tuple[str, str]:
    sqlstate = str(getattr(err, "sqlstate", "") or "")
    diag = getattr(err, "diag", None)
    message = str(getattr(diag, "message_primary", "") or "") if diag is not None else ""
    return sqlstate, message or str(err).strip().splitlines()[0]


class Replayer:
    """Three sessions on one scratch database: the migration's, a prober's and an observer's."""

    def __init__(self, conninfo: str, dbname: str, settings: ReplaySettings) -> None:
        import psycopg

        self.psycopg = psycopg
        self.settings = settings
        self.conn = connect(conninfo, dbname)
        self.prober = connect(conninfo, dbname)
        self.observer = connect(conninfo, dbname)
        self.new_session()
        self.prober.execute(f"SET lock_timeout = '{int(settings.probe_timeout_ms)}ms'".encode())
        with contextlib.suppress(psycopg.Error):
            # The probes' own scans must not count as the migration's (superuser only; best effort).
            self.prober.execute(b"SET track_counts = off")
        self.pid = int(str(self._one(self.conn, "SELECT pg_backend_pid()")))
        self.existing: Snapshot = {}
        self.known: Snapshot = {}

    def new_session(self) -> None:
        """Forget what earlier migrations SET (lock_timeout…), as a new connection would."""
        self.conn.execute(b"RESET ALL")
        self.conn.execute(f"SET statement_timeout = '{int(self.settings.statement_timeout_seconds)}s'".encode())
        if self.settings.server_major >= 15:
            # Read the shared counters fresh on every query (they are cached per transaction otherwise).
            self.conn.execute(b"SET stats_fetch_consistency = none")

    def close(self) -> None:
        for conn in (self.conn, self.prober, self.observer):
            with contextlib.suppress(self.psycopg.Error):
                conn.close()

    @staticmethod
    def _one(conn: psycopg.Connection[tuple[object, ...]], query: str) -> object:
        row = conn.execute(query.encode()).fetchone()
        return row[0] if row is not None else None

    # ----------------------------------------------------------------------- schema building

    def apply_unit(self, statements: Sequence[Statement]) -> tuple[str, str] | None:
        """Apply one earlier migration in a transaction of its own; (sqlstate, message) if it fails.

        Statements PostgreSQL refuses in a transaction run after the COMMIT. Schema building needs the
        end state only, not the runner's transaction boundaries.
        """
        later: list[Statement] = []
        try:
            self.conn.execute(b"BEGIN")
            for statement in statements:
                if statement.control is not None:
                    continue
                if statement.non_transactional:
                    later.append(statement)
                    continue
                self.conn.execute(statement.sql.encode())
            self.conn.execute(b"COMMIT")
        except self.psycopg.Error as err:
            with contextlib.suppress(self.psycopg.Error):
                self.conn.execute(b"ROLLBACK")
            return _error_parts(err)
        for statement in later:
            try:
                self.conn.execute(statement.sql.encode())
            except self.psycopg.Error as err:
                return _error_parts(err)
        return None

    def execute(self, sql: str) -> None:
        self.conn.execute(sql.encode())

    # ----------------------------------------------------------------------- the observed replay

    def begin_trace(self) -> None:
        """Remember which relations exist before the change's migrations run."""
        self.new_session()
        self.existing = relations(self.conn)
        self.known = dict(self.existing)

    def trace(self, script: Sequence[Statement], reported: Callable[[Statement], bool]) -> list[StatementTrace]:
        """Run `script` as the runner would; a StatementTrace for each statement `reported` selects."""
        run = _Run(self, reported)
        for statement in script:
            run.step(statement)
        run.finish()
        return run.out


class _Run:
    """The state of one observed replay: the open transaction, what it holds, what failed."""

    def __init__(self, replayer: Replayer, reported: Callable[[Statement], bool]) -> None:
        self.r = replayer
        self.reported = reported
        self.out: list[StatementTrace] = []
        self.in_tx = False
        self.tx = 0
        self.tx_failed: str = ""  # the failure that aborted the open transaction
        self.failed_paths: dict[str, str] = {}  # a migration stops at its first failing statement
        self.tx_start = 0  # index in `out` of the open transaction's first statement
        self.held: set[tuple[int, str]] = set()
        self.probed: dict[int, frozenset[str]] = {}  # table oid -> the modes held when last probed
        self.last_probe: dict[int, Probe] = {}
        self.snapshot: Snapshot = dict(replayer.existing)
        self.scans = scan_counts(replayer.conn) if replayer.settings.server_major >= 15 else {}

    # -- transaction control

    def step(self, statement: Statement) -> None:
        if statement.control is Control.NEW_SESSION:
            if self.in_tx:
                self._close("ROLLBACK" if self.tx_failed else "COMMIT")
            self.r.new_session()
            return
        if statement.control is Control.BEGIN:
            if not self.in_tx:
                self._execute_control("BEGIN")
                self._open()
            return
        if statement.control is not None:
            if self.in_tx:
                self._close("ROLLBACK" if self.tx_failed or statement.control is Control.ROLLBACK else "COMMIT")
            return
        skipped = self._skip_reason(statement)
        if skipped:
            if self.reported(statement):
                self.out.append(StatementTrace(statement, self.tx if self.in_tx else 0, skipped=skipped))
            return
        if self.in_tx:
            self._observed(statement, wrapped=False)
        elif statement.non_transactional:
            self._bare(statement)
        else:
            self._execute_control("BEGIN")
            self._open()
            self._observed(statement, wrapped=True)
            self._close("ROLLBACK" if self.tx_failed else "COMMIT")

    def _skip_reason(self, statement: Statement) -> str:
        if self.in_tx and self.tx_failed:
            return f"not run: the transaction was aborted by {self.tx_failed}"
        if statement.path is not None and statement.path in self.failed_paths:
            return f"not run: the migration stopped at {self.failed_paths[statement.path]}"
        return ""

    def _execute_control(self, sql: str) -> None:
        self.r.conn.execute(sql.encode())

    def _open(self) -> None:
        self.in_tx = True
        self.tx += 1
        self.tx_failed = ""
        self.tx_start = len(self.out)
        self.held = set()
        self.probed = {}
        self.last_probe = {}

    def _close(self, how: str) -> None:
        with contextlib.suppress(self.r.psycopg.Error):
            self.r.conn.execute(how.encode())
        self.in_tx = False
        # A lock is held from the statement that took it to the end of its transaction.
        members = [i for i in range(self.tx_start, len(self.out)) if self.out[i].transaction == self.tx]
        to_commit_seconds = 0.0
        for i in reversed(members):
            to_commit_seconds += self.out[i].seconds
            self.out[i] = replace(self.out[i], held_seconds=to_commit_seconds)
        self.snapshot = relations(self.r.conn)
        self.r.known.update(self.snapshot)

    # -- one statement

    def _fail(self, statement: Statement, sqlstate: str) -> None:
        where = f"line {statement.line} of {statement.path}" if statement.path else "a runner statement"
        if self.in_tx:
            self.tx_failed = where
        if statement.path is not None:
            self.failed_paths[statement.path] = where

    def _observed(self, statement: Statement, wrapped: bool) -> None:
        conn = self.r.conn
        timeout = lock_timeout_ms(conn)
        started = time.perf_counter()
        sqlstate = error = None
        try:
            conn.execute(statement.sql.encode())
        except self.r.psycopg.Error as err:
            sqlstate, error = _error_parts(err)
        seconds = time.perf_counter() - started
        if error is not None:
            self._fail(statement, sqlstate or "")
            if self.reported(statement):
                self.out.append(StatementTrace(statement, self.tx, seconds, sqlstate, error, lock_timeout_ms=timeout))
            return
        after = relations(conn)
        self.r.known.update(after)
        pairs = set(held_locks(conn))
        acquired = pairs - self.held
        self.held = pairs
        locks = to_locks(sorted(pairs), self.r.known, self.r.existing)
        new_locks = to_locks(sorted(acquired), self.r.known, self.r.existing)
        rewritten = self._rewritten(after)
        scans = self._scans()
        self.snapshot = after
        if not self.reported(statement):
            return
        probes = self._probes(pairs)
        self.out.append(StatementTrace(
            statement, self.tx, seconds, locks=tuple(locks), acquired=tuple(new_locks),
            rewritten=rewritten, scans=scans, probes=probes, lock_timeout_ms=timeout,
        ))

    def _rewritten(self, after: Snapshot) -> tuple[str, ...]:
        out = []
        for oid, rel in after.items():
            before = self.snapshot.get(oid)
            if rel.kind == "table" and oid in self.r.existing and before is not None and before.filenode != rel.filenode:
                out.append(rel.name)
        return tuple(sorted(out))

    def _scans(self) -> tuple[Scan, ...]:
        if self.r.settings.server_major < 15:
            return ()  # the statistics collector of older servers reports late: no scan evidence
        now = scan_counts(self.r.conn)
        out = []
        for relid, (scans, rows) in now.items():
            old_scans, old_rows = self.scans.get(relid, (0, 0))
            rel = self.r.known.get(relid)
            if scans > old_scans and rel is not None and relid in self.r.existing:
                out.append(Scan(rel.name, scans - old_scans, rows - old_rows))
        self.scans = now
        return tuple(sorted(out, key=lambda s: s.table))

    # -- the second session

    def _probes(self, pairs: Iterable[tuple[int, str]]) -> tuple[Probe, ...]:
        by_table: dict[int, set[str]] = {}
        for oid, mode in pairs:
            rel = self.r.known.get(oid)
            if rel is None or rel.table_oid not in self.r.existing:
                continue
            if self.r.existing[rel.table_oid].kind != "table":
                continue
            by_table.setdefault(rel.table_oid, set()).add(mode)
        out = []
        for table_oid, modes in sorted(by_table.items()):
            frozen = frozenset(modes)
            if self.probed.get(table_oid) == frozen and table_oid in self.last_probe:
                out.append(self.last_probe[table_oid])
                continue
            probe = probe_table(self.r, self.r.existing[table_oid])
            self.probed[table_oid] = frozen
            self.last_probe[table_oid] = probe
            out.append(probe)
        return tuple(out)

    # -- a statement PostgreSQL runs only outside a transaction block

    def _bare(self, statement: Statement) -> None:
        conn = self.r.conn
        timeout = lock_timeout_ms(conn)
        named = {t.lower() for t in touched_names(statement.sql)}
        tables = [rel for rel in self.r.existing.values() if rel.kind == "table" and rel.name.lower() in named]
        sampler = _Sampler(self.r, tables)
        sampler.start()
        started = time.perf_counter()
        sqlstate = error = None
        try:
            conn.execute(statement.sql.encode())
        except self.r.psycopg.Error as err:
            sqlstate, error = _error_parts(err)
        seconds = time.perf_counter() - started
        sampler.stop()
        if error is not None:
            self._fail(statement, sqlstate or "")
            if self.reported(statement):
                self.out.append(StatementTrace(statement, 0, seconds, sqlstate, error, lock_timeout_ms=timeout))
            return
        after = relations(conn)
        self.r.known.update(after)
        locks = to_locks(sorted(sampler.seen), self.r.known, self.r.existing)
        rewritten = self._rewritten(after)
        scans = self._scans()
        self.snapshot = after
        if self.reported(statement):
            self.out.append(StatementTrace(
                statement, 0, seconds, locks=tuple(locks), acquired=tuple(locks), rewritten=rewritten,
                scans=scans, probes=tuple(sampler.probes), lock_timeout_ms=timeout, held_seconds=seconds,
            ))

    def finish(self) -> None:
        if self.in_tx:
            self._close("ROLLBACK" if self.tx_failed else "COMMIT")


class _Sampler:
    """Watches the migration session while a bare statement (CONCURRENTLY, VACUUM) runs.

    To see its locks for certain, not by luck of timing, the observer first opens a transaction that
    holds a snapshot and ACCESS SHARE on the existing tables the statement names: a CONCURRENTLY build
    then waits for that snapshot while holding its lock, and a statement that wants a stronger lock
    queues for it. Either way its lock shows in pg_locks; the observer probes, then lets it go.
    """

    def __init__(self, replayer: Replayer, tables: Sequence[Relation]) -> None:
        self.r = replayer
        self.tables = tables
        self.seen: set[tuple[int, str]] = set()
        self.probes: list[Probe] = []
        self.done = threading.Event()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="reviewbot-trace-sampler", daemon=True)

    def start(self) -> None:
        self.thread.start()
        self.ready.wait(HOLD_SECONDS)

    def stop(self) -> None:
        self.done.set()
        self.thread.join()

    def _hold(self) -> bool:
        from psycopg import sql

        try:
            # REPEATABLE READ keeps the transaction's snapshot (and xmin) until COMMIT: CONCURRENTLY waits for it.
            self.r.observer.execute(b"BEGIN ISOLATION LEVEL REPEATABLE READ")
            self.r.observer.execute(b"SELECT 1")
            for table in self.tables:
                self.r.observer.execute(sql.SQL("SELECT 1 FROM {} LIMIT 0").format(sql.SQL(table.qualified)))
        except self.r.psycopg.Error:
            self._release()
            return False
        return True

    def _release(self) -> None:
        with contextlib.suppress(self.r.psycopg.Error):
            self.r.observer.execute(b"COMMIT")

    def _loop(self) -> None:
        holding = self._hold()
        self.ready.set()
        deadline = time.monotonic() + HOLD_SECONDS
        try:
            while not self.done.is_set():
                try:
                    pairs = held_locks(self.r.observer, self.r.pid, waiting=True)
                except self.r.psycopg.Error:
                    return
                mine = [(oid, mode) for oid, mode in pairs if oid in self.r.known]
                self.seen.update(mine)
                if mine and not self.probes:
                    tables = {self.r.known[oid].table_oid for oid, _ in mine}
                    existing = [self.r.existing[t] for t in sorted(tables) if t in self.r.existing]
                    self.probes = [probe_table(self.r, rel) for rel in existing if rel.kind == "table"]
                if holding and (mine or time.monotonic() > deadline):
                    self._release()
                    holding = False
                self.done.wait(OBSERVER_INTERVAL_SECONDS)
        finally:
            if holding:
                self._release()


def probe_table(replayer: Replayer, table: Relation) -> Probe:
    """An ordinary SELECT and a one-row UPDATE (rolled back) on `table` under a short lock_timeout."""
    psycopg = replayer.psycopg
    conn = replayer.prober
    from psycopg import sql

    try:
        row = conn.execute(
            "SELECT format('%%I.%%I', n.nspname, c.relname), "
            "(SELECT quote_ident(attname) FROM pg_attribute WHERE attrelid = c.oid AND attnum > 0 "
            " AND NOT attisdropped AND attgenerated = '' AND attidentity = '' ORDER BY attnum LIMIT 1) "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = %s",
            (table.oid,),
        ).fetchone()
    except psycopg.Error as err:
        return Probe(table.name, None, None, _error_parts(err)[1])
    if row is None:
        return Probe(table.name, None, None, "the table no longer exists")
    name, column = str(row[0]), row[1]
    read = _blocked(conn, sql.SQL("SELECT 1 FROM {} LIMIT 1").format(sql.SQL(name)))
    if column is None:
        return Probe(table.name, read[0], None, read[1])
    update = sql.SQL("UPDATE {t} SET {c} = {c} WHERE ctid = (SELECT ctid FROM {t} LIMIT 1)").format(
        t=sql.SQL(name), c=sql.SQL(str(column)))
    write = _blocked(conn, update, rollback=True)
    return Probe(table.name, read[0], write[0], "; ".join(d for d in (read[1], write[1]) if d))


def _blocked(conn: psycopg.Connection[tuple[object, ...]], query: sql.Composed, rollback: bool = False) -> tuple[bool | None, str]:
    import psycopg

    try:
        if rollback:
            with conn.transaction(force_rollback=True):
                conn.execute(query)
        else:
            conn.execute(query)
    except psycopg.errors.LockNotAvailable:
        return True, ""
    except psycopg.errors.QueryCanceled:
        return True, ""
    except psycopg.Error as err:
        return None, _error_parts(err)[1]
    return False, ""

