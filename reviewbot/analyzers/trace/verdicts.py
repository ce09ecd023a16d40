"""Static findings vs the trace: confirm or contradict each RB4xx claim, and report what only the trace saw."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from reviewbot.analyzers.migrations.model import OpKind
from reviewbot.analyzers.migrations.sql import parse_sql_operations
from reviewbot.analyzers.migrations.timeline import lock_of
from reviewbot.analyzers.trace.evidence import MigrationTrace, StatementTrace, TraceReport
from reviewbot.analyzers.trace.rule import MeasuredMigrationHazard
from reviewbot.core.findings import Confidence, Finding, Severity, Span

CONFIRMED = "confirmed"
CONTRADICTED = "contradicted"
# Failures that come from the runner's transactions or the migration itself, not from our synthetic rows
# or from a schema the earlier migrations left incomplete.
STRUCTURAL_FAILURES = frozenset({"25001", "55P04", "0A000", "2BP01", "55006"})
NOT_NULL_VIOLATION = "23502"
MAX_HAZARDS_NAMED = 2  # the rest are counted: the measured facts follow in the message


@dataclass(frozen=True, slots=True)
class Judgement:
    verdict: str  # confirmed | contradicted
    evidence: str


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def statement_tables(stmt: StatementTrace) -> list[str]:
    """The tables a statement names (as PostgreSQL stores them), its main table first."""
    out: list[str] = []
    for op in parse_sql_operations(stmt.statement.sql).operations:
        for name in (op.table, op.references):
            if name:
                short = name.rsplit(".", 1)[-1].strip('"')
                if short not in out:
                    out.append(short)
    return out


def _main_table(stmt: StatementTrace) -> str | None:
    tables = [t for t in statement_tables(stmt) if any(lock.table == t and lock.existed for lock in stmt.locks)]
    if tables:
        return tables[0]
    existing = [lock for lock in stmt.acquired if lock.existed and lock.kind == "table"]
    if existing:
        return existing[0].table
    named = statement_tables(stmt)
    return named[0] if named else None


def describe(stmt: StatementTrace, table: str | None, report: TraceReport) -> str:
    """The measured facts of one statement, for a message."""
    where = f"measured on {report.version_note}"
    if stmt.failed:
        return f"{where}: fails with {stmt.sqlstate} {stmt.error}"
    parts: list[str] = []
    if table is not None:
        mode = stmt.strongest_on(table, acquired_only=True) or stmt.strongest_on(table)
        if mode:
            parts.append(f"{mode} on {table}")
        if table in stmt.rewritten:
            parts.append("table rewritten (new relfilenode)")
        scan = stmt.scanned(table)
        if scan is not None:
            parts.append(f"full scan of {scan.rows} rows")
        probe = stmt.probe(table)
        if probe is not None:
            waited = [what for what, blocked in (("SELECT", probe.read_blocked), ("UPDATE", probe.write_blocked)) if blocked]
            if waited:
                parts.append(f"a concurrent {' and '.join(waited)} waited")
            elif probe.read_blocked is False and probe.write_blocked is False:
                parts.append("concurrent reads and writes went on")
        rows = report.rows_in(table)
        timing = f"{_ms(stmt.seconds)} with {rows} rows" if rows else _ms(stmt.seconds)
    else:
        timing = _ms(stmt.seconds)
    if stmt.held_seconds > stmt.seconds * 1.5 and stmt.transaction:
        timing += f", locks held {_ms(stmt.held_seconds)} to COMMIT"
    parts.append(timing)
    return f"{where}: " + ", ".join(parts)


# --------------------------------------------------------------------------- the static rules' claims

Claim = Callable[[StatementTrace, "str | None", MigrationTrace], "bool | None"]


def _write_blocking_on(stmt: StatementTrace, table: str | None, acquired_only: bool = False) -> bool:
    """Whether the session holds (or, with `acquired_only`, this statement took) a write-blocking lock on `table`."""
    return table is not None and any(
        lock.blocks_writes and lock.existed for lock in stmt.locks_on(table, acquired_only)
    )


def _fails(states: Iterable[str]) -> Claim:
    wanted = frozenset(states)
    return lambda stmt, _table, _migration: stmt.sqlstate in wanted


def _locks_writes(stmt: StatementTrace, table: str | None, _m: MigrationTrace) -> bool | None:
    if stmt.failed:
        return None
    return _write_blocking_on(stmt, table) or any(
        lock.blocks_writes and lock.existed and lock.kind == "table" for lock in stmt.locks
    )


def _access_exclusive(stmt: StatementTrace, table: str | None, _m: MigrationTrace) -> bool | None:
    if stmt.failed or table is None:
        return None
    return any(lock.mode == "ACCESS EXCLUSIVE" for lock in stmt.locks_on(table))


def _rewrites(stmt: StatementTrace, table: str | None, _m: MigrationTrace) -> bool | None:
    if stmt.failed or table is None:
        return None
    return table in stmt.rewritten


def _scans_under_lock(stmt: StatementTrace, table: str | None, _m: MigrationTrace) -> bool | None:
    if stmt.failed or table is None:
        return None
    return stmt.scanned(table) is not None and _write_blocking_on(stmt, table)


def _not_null_fails(stmt: StatementTrace, table: str | None, _m: MigrationTrace) -> bool | None:
    if stmt.sqlstate == NOT_NULL_VIOLATION:
        return True
    if stmt.failed:
        return None
    return None if table is None else False


def _holds_earlier_lock(stmt: StatementTrace, table: str | None, _m: MigrationTrace) -> bool | None:
    """The statement runs while a write-blocking lock taken earlier in its transaction is still held."""
    if stmt.failed or not stmt.transaction:
        return None if stmt.failed else False
    earlier = set(stmt.locks) - set(stmt.acquired)
    return any(lock.blocks_writes and lock.existed for lock in earlier)


def _without_timeout(stmt: StatementTrace, table: str | None, m: MigrationTrace) -> bool | None:
    if stmt.failed:
        return None
    return stmt.lock_timeout_ms == 0 and bool(_locks_writes(stmt, table, m))


def _enum_fails(_stmt: StatementTrace, _table: str | None, migration: MigrationTrace) -> bool | None:
    if any(s.sqlstate in ("55P04", "25001") for s in migration.statements):
        return True
    return False if all(s.ran and not s.failed for s in migration.statements) else None


CLAIMS: dict[str, Claim] = {
    "RB401": _locks_writes,
    "RB402": lambda stmt, _t, _m: True if stmt.sqlstate == "25001" else (None if stmt.failed else False),
    "RB403": _not_null_fails,
    "RB404": _rewrites,
    "RB405": _rewrites,
    "RB406": _scans_under_lock,
    "RB407": _scans_under_lock,
    "RB408": _holds_earlier_lock,
    "RB409": _access_exclusive,
    "RB410": _access_exclusive,
    "RB411": _access_exclusive,
    "RB412": _without_timeout,
    "RB413": _holds_earlier_lock,
    "RB414": _locks_writes,
    "RB415": _enum_fails,
}


def judge(finding: Finding, report: TraceReport) -> Judgement | None:
    """Confirmed or contradicted by the statement(s) on the finding's line; None when the trace cannot tell."""
    claim = CLAIMS.get(finding.rule)
    migration = next((m for m in report.migrations if m.path == finding.path), None)
    if claim is None or migration is None:
        return None
    statements = [s for s in report.at(finding.path, finding.line) if s.ran]
    if finding.rule == "RB403" and statements:
        table = _main_table(statements[0])
        if table is not None and not report.rows_in(table) and not statements[0].failed:
            return None  # an empty table cannot show the NOT NULL failure
    for stmt in statements:
        table = _main_table(stmt)
        if not stmt.failed and (not stmt.locks or (table is not None and not any(lock.table == table for lock in stmt.locks))):
            continue  # every statement on a table or index locks it: this one met no such object (`IF EXISTS`
            # on a schema the earlier migrations did not build) and proves nothing
        outcome = claim(stmt, table, migration)
        if outcome is None:
            continue
        return Judgement(CONFIRMED if outcome else CONTRADICTED, describe(stmt, table, report))
    return None


def _rule_severity(code: str) -> Severity | None:
    from reviewbot.analyzers.migrations.rules import MIGRATION_RULES

    return next((rule.severity for rule in MIGRATION_RULES if rule.code == code), None)


def apply_judgements(findings: Sequence[Finding], report: TraceReport) -> tuple[list[Finding], dict[str, list[str]]]:
    """Each RB4xx finding on a traced file with its verdict in the message; confidence follows evidence.

    Confirmed: high confidence, and a finding the rule had lowered to a warning for want of facts (an old
    column type it could not see) gets the rule's own severity back. Contradicted: info, low confidence.
    """
    out: list[Finding] = []
    tally: dict[str, list[str]] = {}
    for finding in findings:
        judgement = judge(finding, report) if finding.family == "migrations" else None
        if judgement is None:
            out.append(finding)
            continue
        tally.setdefault(finding.rule, []).append(judgement.verdict)
        if judgement.verdict == CONFIRMED:
            default = _rule_severity(finding.rule) or finding.severity
            severity = default if default.rank > finding.severity.rank else finding.severity
            out.append(finding.with_changes(
                message=f"{finding.message} — confirmed, {judgement.evidence}", confidence=Confidence.HIGH,
                severity=severity))
        else:
            # The server did not do what the rule predicted: shown, never blocking.
            out.append(finding.with_changes(
                message=f"{finding.message} — contradicted, {judgement.evidence}",
                confidence=Confidence.LOW, severity=Severity.INFO))
    return out, tally


# --------------------------------------------------------------------------- what only the trace saw


def _predicted_locks(stmt: StatementTrace) -> set[str]:
    """Tables the static model says this statement locks against writes."""
    out: set[str] = set()
    for op in parse_sql_operations(stmt.statement.sql).operations:
        lock = lock_of(op)
        if lock is not None and op.table:
            out.add(op.table.rsplit(".", 1)[-1].strip('"'))
            if op.kind is OpKind.ADD_CONSTRAINT and op.references:
                out.add(op.references.rsplit(".", 1)[-1].strip('"'))
    return out


def hazards(stmt: StatementTrace, report: TraceReport) -> list[tuple[Severity, str, str | None]]:
    """(severity, what happened, table) for each hazard the trace shows on one statement."""
    found: list[tuple[Severity, str, str | None]] = []
    if stmt.failed:
        if stmt.sqlstate in STRUCTURAL_FAILURES:
            found.append((Severity.ERROR, "the statement fails under the runner's transactions", _main_table(stmt)))
        elif stmt.sqlstate == NOT_NULL_VIOLATION and "ADD" in stmt.statement.sql.upper():
            found.append((Severity.ERROR, "the statement fails on a table that has rows", _main_table(stmt)))
        return found
    existing_tables = sorted({lock.table for lock in stmt.locks if lock.existed and lock.kind in ("table", "index")})
    for table in existing_tables:
        if table in stmt.rewritten:
            found.append((Severity.ERROR, f"{table} is rewritten under lock", table))
        elif stmt.scanned(table) is not None and _write_blocking_on(stmt, table, acquired_only=True):
            found.append((Severity.ERROR, f"{table} is scanned under a write-blocking lock", table))
    # Work proportional to the rows (a rewrite, a full scan, a data change) keeps every lock taken
    # earlier in the same transaction held for that long.
    slow = bool(stmt.rewritten) or any(s.rows > 0 for s in stmt.scans)
    if slow and stmt.transaction:
        earlier = set(stmt.locks) - set(stmt.acquired)
        held = sorted({lock.table for lock in earlier if lock.blocks_writes and lock.existed and lock.kind == "table"})
        for table in held:
            if table not in stmt.rewritten:
                found.append((Severity.ERROR, f"writes to {table} stay blocked (a lock from earlier in the "
                                              "transaction) while this statement works through its rows", table))
    predicted = _predicted_locks(stmt)
    if stmt.lock_timeout_ms == 0:
        for lock in stmt.acquired:
            if lock.existed and lock.kind == "table" and lock.blocks_writes and lock.table not in predicted:
                found.append((Severity.WARNING, f"{lock.mode} on {lock.table}, a lock the static rules do not "
                                                "predict, taken with no lock_timeout", lock.table))
    for probe in stmt.probes:
        if probe.write_blocked and not _write_blocking_on(stmt, probe.table) and _is_data_change(stmt):
            found.append((Severity.WARNING, f"its row locks made a concurrent UPDATE of {probe.table} wait",
                          probe.table))
    return found


def _is_data_change(stmt: StatementTrace) -> bool:
    return any(op.kind is OpKind.BACKFILL for op in parse_sql_operations(stmt.statement.sql).operations)


def trace_findings(findings: Sequence[Finding], report: TraceReport) -> list[Finding]:
    """RB416 for each traced statement whose hazard no RB4xx finding reported on its lines."""
    reported: dict[str, set[int]] = {}
    for finding in findings:
        if finding.family == "migrations":
            reported.setdefault(finding.path, set()).update(finding.span.lines)
    rule = MeasuredMigrationHazard
    out: list[Finding] = []
    for migration in report.migrations:
        for stmt in migration.statements:
            if not stmt.ran:
                continue
            lines = range(stmt.statement.line, max(stmt.statement.end_line, stmt.statement.line) + 1)
            if reported.get(migration.path, set()) & set(lines):
                continue
            found = hazards(stmt, report)
            if not found:
                continue
            severity = max((f[0] for f in found), key=lambda s: s.rank)
            found.sort(key=lambda f: -f[0].rank)
            texts = list(dict.fromkeys(f[1] for f in found))
            what = "; ".join(texts[:MAX_HAZARDS_NAMED]) + (f"; and {len(texts) - MAX_HAZARDS_NAMED} more" if len(texts) > MAX_HAZARDS_NAMED else "")
            message = f"{what} — {describe(stmt, found[0][2], report)}"
            out.append(Finding(
                rule=rule.code, family=rule.family.value, severity=severity, path=migration.path,
                span=Span(stmt.statement.line, 1, stmt.statement.end_line), message=message, help=rule.help,
                tool="trace", confidence=Confidence.HIGH,
            ))
    return out


def summary_note(report: TraceReport, tally: dict[str, list[str]], added: int) -> str:
    """One line for the summary: where the trace ran, what it replayed, what it could not."""
    statements = sum(len(m.statements) for m in report.migrations)
    confirmed = sum(v.count(CONFIRMED) for v in tally.values())
    contradicted = sum(v.count(CONTRADICTED) for v in tally.values())
    text = (f"trace: {len(report.migrations)} migration(s), {statements} statement(s) replayed on {report.version_note} "
            f"with {report.rows} synthetic rows per touched table in {report.seconds:.1f}s; static findings "
            f"{confirmed} confirmed, {contradicted} contradicted; {added} hazard(s) only the trace found")
    if report.not_replayed:
        text += "; not replayed: " + "; ".join(f"{path} ({why})" for path, why in report.not_replayed)
    return text
