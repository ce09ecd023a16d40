"""The trace as data (JSON `stats.trace`) and as the table `reviewbot trace` prints before the findings."""

from __future__ import annotations

from reviewbot.analyzers.trace.evidence import StatementTrace, TraceReport

MAX_SQL_CHARS = 72


def _sql_head(sql: str) -> str:
    flat = " ".join(sql.split())
    return flat if len(flat) <= MAX_SQL_CHARS else flat[: MAX_SQL_CHARS - 1] + "…"


def statement_json(stmt: StatementTrace) -> dict[str, object]:
    return {
        "line": stmt.statement.line,
        "sql": _sql_head(stmt.statement.sql),
        "transaction": stmt.transaction,
        "ms": round(stmt.seconds * 1000, 3),
        "held_ms": round(stmt.held_seconds * 1000, 3),
        "lock_timeout_ms": stmt.lock_timeout_ms,
        "locks": [{"relation": lock.relation, "table": lock.table, "kind": lock.kind, "mode": lock.mode,
                   "existed": lock.existed} for lock in stmt.acquired],
        "rewritten": list(stmt.rewritten),
        "scans": [{"table": s.table, "scans": s.scans, "rows": s.rows} for s in stmt.scans],
        "probes": [{"table": p.table, "read_blocked": p.read_blocked, "write_blocked": p.write_blocked}
                   for p in stmt.probes],
        "error": f"{stmt.sqlstate} {stmt.error}" if stmt.failed else None,
        "skipped": stmt.skipped or None,
    }


def trace_json(report: TraceReport) -> dict[str, object]:
    return {
        "server": report.server,
        "target_postgres": report.target_major,
        "rows": report.rows,
        "seeded": dict(report.seeded),
        "seconds": round(report.seconds, 3),
        "migrations": [
            {"path": m.path, "runner": m.runner, "statements": [statement_json(s) for s in m.statements]}
            for m in report.migrations
        ],
        "not_replayed": [{"path": path, "reason": why} for path, why in report.not_replayed],
        "notes": list(report.notes),
    }


def _blocked(stmt: StatementTrace) -> str:
    out = []
    for probe in stmt.probes:
        what = [w for w, b in (("reads", probe.read_blocked), ("writes", probe.write_blocked)) if b]
        if what:
            out.append(f"{probe.table}: {' and '.join(what)} waited")
    return "; ".join(out)


def render_trace_text(report: TraceReport) -> str:
    """Per migration, per statement: what it held, rewrote, scanned, how long, and who waited."""
    lines = [f"Trace on {report.version_note}, {report.rows} synthetic rows per touched table "
             f"({report.seconds:.1f}s)"]
    for migration in report.migrations:
        lines.append(f"\n{migration.path} ({migration.runner})")
        for stmt in migration.statements:
            lines.append(f"  {stmt.statement.line:>4}  {_sql_head(stmt.statement.sql)}")
            if stmt.skipped:
                lines.append(f"        {stmt.skipped}")
                continue
            if stmt.failed:
                lines.append(f"        FAILED {stmt.sqlstate}: {stmt.error}")
                continue
            locks = ", ".join(f"{lock.mode} on {lock.relation}" for lock in stmt.acquired if lock.kind == "table")
            facts = [f"{stmt.seconds * 1000:.1f} ms", f"lock_timeout {stmt.lock_timeout_ms} ms"]
            if locks:
                facts.append(locks)
            if stmt.rewritten:
                facts.append("rewrote " + ", ".join(stmt.rewritten))
            if stmt.scans:
                facts.append("scanned " + ", ".join(f"{s.table} ({s.rows} rows)" for s in stmt.scans))
            blocked = _blocked(stmt)
            if blocked:
                facts.append(blocked)
            lines.append("        " + "; ".join(facts))
    for path, why in report.not_replayed:
        lines.append(f"\nnot replayed: {path}: {why}")
    for note in report.notes:
        lines.append(f"note: {note}")
    return "\n".join(lines) + "\n"
