"""Catalog reads the trace takes after each statement: relations and their files, locks, scans."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from reviewbot.analyzers.trace.evidence import Lock, mode_name

if TYPE_CHECKING:
    import psycopg

# Schemas that hold no user data.
_USER_RELATIONS = (
    "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%%' "
    "AND n.nspname NOT LIKE 'pg_temp%%'"
)
_KINDS = {"r": "table", "p": "table", "i": "index", "I": "index", "S": "sequence", "v": "view", "m": "view"}


@dataclass(frozen=True, slots=True)
class Relation:
    oid: int
    name: str
    qualified: str  # "public.payments", quoted where needed
    kind: str  # table, index, sequence, view, other
    table_oid: int  # the table an index belongs to; itself otherwise
    table: str
    filenode: int


Snapshot = dict[int, Relation]


def relations(conn: psycopg.Connection[tuple[object, ...]]) -> Snapshot:
    """Every user relation the session sees (its own uncommitted DDL included)."""
    rows = conn.execute(
        "SELECT c.oid::int8, c.relname, format('%I.%I', n.nspname, c.relname), c.relkind::text, "
        "coalesce(i.indrelid, c.oid)::int8, coalesce(t.relname, c.relname), c.relfilenode::int8 "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "LEFT JOIN pg_index i ON i.indexrelid = c.oid LEFT JOIN pg_class t ON t.oid = i.indrelid "
        f"WHERE {_USER_RELATIONS}"
    ).fetchall()
    return {
        int(str(r[0])): Relation(int(str(r[0])), str(r[1]), str(r[2]), _KINDS.get(str(r[3]), "other"),
                                 int(str(r[4])), str(r[5]), int(str(r[6])))
        for r in rows
    }


def held_locks(conn: psycopg.Connection[tuple[object, ...]], pid: int | None = None,
               waiting: bool = False) -> list[tuple[int, str]]:
    """(relation oid, mode) of the granted (or, with `waiting`, also requested) relation locks of `pid`."""
    who = "pg_backend_pid()" if pid is None else "%s"
    granted = "" if waiting else "AND l.granted "
    rows = conn.execute(
        "SELECT l.relation::int8, l.mode FROM pg_locks l "
        f"WHERE l.locktype = 'relation' {granted}AND l.database = "
        f"(SELECT oid FROM pg_database WHERE datname = current_database()) AND l.pid = {who}",
        () if pid is None else (pid,),
    ).fetchall()
    return [(int(str(r[0])), mode_name(str(r[1]))) for r in rows]


def scan_counts(conn: psycopg.Connection[tuple[object, ...]]) -> dict[int, tuple[int, int]]:
    """relid -> (sequential scans, rows they read), flushed and this session's pending counts together."""
    rows = conn.execute(
        "SELECT u.relid::int8, u.seq_scan + coalesce(x.seq_scan, 0), u.seq_tup_read + coalesce(x.seq_tup_read, 0) "
        "FROM pg_stat_user_tables u LEFT JOIN pg_stat_xact_user_tables x ON x.relid = u.relid"
    ).fetchall()
    return {int(str(r[0])): (int(str(r[1])), int(str(r[2]))) for r in rows}


def lock_timeout_ms(conn: psycopg.Connection[tuple[object, ...]]) -> int:
    row = conn.execute(
        "SELECT setting::int8 * CASE unit WHEN 's' THEN 1000 WHEN 'min' THEN 60000 ELSE 1 END "
        "FROM pg_settings WHERE name = 'lock_timeout'"
    ).fetchone()
    return int(str(row[0])) if row is not None else 0


def to_locks(pairs: list[tuple[int, str]], known: Snapshot, existing: Snapshot) -> list[Lock]:
    """Named locks on user relations (catalog locks dropped); `existing`: relations before the trace."""
    out: list[Lock] = []
    for oid, mode in pairs:
        rel = known.get(oid)
        if rel is None:
            continue
        table_existed = rel.table_oid in existing
        out.append(Lock(rel.name, rel.table, rel.kind, mode, existed=oid in existing or table_existed))
    return sorted(set(out), key=lambda lock: (lock.table, lock.relation, lock.mode))
