"""Synthetic rows in the tables the change touches, so locks, rewrites and scans have data to act on.

Values follow each column's type; foreign keys take their parent's real keys (parents are seeded
first); a CHECK the values break is retried with its columns NULL (a CHECK passes on NULL) or with the
first literal the constraint names. A table that still cannot be filled keeps no rows and a note says so:
the trace then measures locks and rewrites on an empty table (time and data-dependent failures not).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psycopg

MAX_RETRIES = 4
_LITERAL = re.compile(r"'((?:[^']|'')*)'")
_NUMERIC_MODS = re.compile(r"numeric\((\d+),(\d+)\)")
_LENGTH = re.compile(r"(?:character varying|character|bit varying|bit)\((\d+)\)")


@dataclass(frozen=True, slots=True)
class ColumnInfo:
    name: str
    type_sql: str  # format_type(): "character varying(255)", "numeric(19,4)", "text[]"
    base_sql: str  # the domain's base type, or the type itself
    typtype: str  # b base, e enum, d domain, c composite, r range
    category: str  # pg_type.typcategory of the base type
    not_null: bool
    has_default: bool
    omit: bool  # identity, generated, or a sequence default: PostgreSQL fills it


@dataclass(frozen=True, slots=True)
class ForeignKey:
    columns: tuple[str, ...]
    parent_oid: int
    parent_columns: tuple[str, ...]


def _q(conn: psycopg.Connection[tuple[object, ...]], query: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    return conn.execute(query.encode(), params).fetchall() if params else conn.execute(query.encode()).fetchall()


def resolve_tables(conn: psycopg.Connection[tuple[object, ...]], names: Iterable[str]) -> dict[int, str]:
    """oid -> qualified name of the user tables called `names` (unqualified, case-insensitive)."""
    wanted = sorted({n.lower() for n in names if n})
    if not wanted:
        return {}
    rows = _q(conn,
              "SELECT c.oid::int8, format('%%I.%%I', n.nspname, c.relname) FROM pg_class c "
              "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') "
              "AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND lower(c.relname) = ANY(%s)",
              (wanted,))
    return {int(str(r[0])): str(r[1]) for r in rows}


def _foreign_keys(conn: psycopg.Connection[tuple[object, ...]], oid: int) -> list[ForeignKey]:
    rows = _q(conn,
              "SELECT array(SELECT quote_ident(attname) FROM unnest(c.conkey) WITH ORDINALITY k(n, o) "
              "  JOIN pg_attribute ON attrelid = c.conrelid AND attnum = k.n ORDER BY o), c.confrelid::int8, "
              "array(SELECT quote_ident(attname) FROM unnest(c.confkey) WITH ORDINALITY k(n, o) "
              "  JOIN pg_attribute ON attrelid = c.confrelid AND attnum = k.n ORDER BY o) "
              "FROM pg_constraint c WHERE c.contype = 'f' AND c.conrelid = %s", (oid,))
    return [ForeignKey(tuple(str(x) for x in r[0]), int(str(r[1])), tuple(str(x) for x in r[2]))  # type: ignore[attr-defined]  # arrays arrive as lists
            for r in rows]


def _columns(conn: psycopg.Connection[tuple[object, ...]], oid: int) -> list[ColumnInfo]:
    rows = _q(conn,
              "SELECT quote_ident(a.attname), format_type(a.atttypid, a.atttypmod), "
              "format_type(coalesce(nullif(t.typbasetype, 0), a.atttypid), "
              "            CASE WHEN t.typbasetype <> 0 THEN t.typtypmod ELSE a.atttypmod END), "
              "t.typtype::text, b.typcategory::text, a.attnotnull, a.atthasdef, "
              "a.attidentity <> '' OR a.attgenerated <> '' OR coalesce(pg_get_expr(d.adbin, d.adrelid), '') LIKE 'nextval(%%' "
              "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
              "JOIN pg_type b ON b.oid = coalesce(nullif(t.typbasetype, 0), a.atttypid) "
              "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
              "WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum", (oid,))
    return [ColumnInfo(str(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), bool(r[5]), bool(r[6]), bool(r[7]))
            for r in rows]


def _unique_columns(conn: psycopg.Connection[tuple[object, ...]], oid: int) -> set[str]:
    rows = _q(conn,
              "SELECT quote_ident(a.attname) FROM pg_index i JOIN pg_attribute a "
              "ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s AND i.indisunique",
              (oid,))
    return {str(r[0]) for r in rows}


def value_sql(column: ColumnInfo) -> str | None:
    """An expression in `g` (1…N) that is a valid, mostly distinct value of the column's type."""
    kind = column.base_sql
    if kind.endswith("[]"):
        return "'{}'"
    if column.typtype == "e":
        return f"(enum_range(NULL::{column.type_sql}))[1]"
    if kind in ("smallint",):
        return "(g % 32000)"
    if kind in ("integer", "bigint", "oid", "real", "double precision", "numeric", "money"):
        return "g"
    numeric = _NUMERIC_MODS.fullmatch(kind)
    if numeric:
        digits = int(numeric.group(1)) - int(numeric.group(2))
        return f"(g % {10 ** min(digits, 9)})" if digits > 0 else "0"
    length = _LENGTH.fullmatch(kind)
    if length:
        n = int(length.group(1))
        if kind.startswith("bit"):
            return "B'0'"
        return "'r' || g" if n >= 8 else f"right(lpad(to_hex(g), {n}, '0'), {n})"
    if column.category == "S":
        return "'r' || g"
    if kind == "boolean":
        return "(g % 2 = 0)"
    if kind == "date":
        return "(date '2024-01-01' + (g % 3650))"
    if kind.startswith(("timestamp", "time with", "time without", "time")) and "time" in kind:
        if kind.startswith("timestamp"):
            return "(timestamp '2024-01-01' + g * interval '1 second')"
        return "time '12:00'"
    if kind.startswith("interval"):
        return "(g * interval '1 second')"
    if kind == "uuid":
        return "md5(g::text)::uuid"
    if kind in ("json", "jsonb"):
        return "'{}'"
    if kind == "bytea":
        return "decode(md5(g::text), 'hex')"
    if kind in ("inet", "cidr"):
        return "'10.0.0.0/8'"
    if kind == "tsvector":
        return "''"
    return None


@dataclass
class Seeder:
    conn: psycopg.Connection[tuple[object, ...]]
    rows: int

    def __post_init__(self) -> None:
        self.notes: list[str] = []
        self.counts: dict[str, int] = {}

    def seed(self, names: Iterable[str]) -> dict[str, int]:
        """Fill the tables called `names` (and their foreign-key parents) up to `rows` rows each."""
        import psycopg as pg

        targets = resolve_tables(self.conn, names)
        order: list[int] = []
        parents: dict[int, list[ForeignKey]] = {}
        qualified: dict[int, str] = dict(targets)

        def visit(oid: int, path: tuple[int, ...]) -> None:
            if oid in order or oid in path:
                return
            fks = _foreign_keys(self.conn, oid)
            parents[oid] = fks
            for fk in fks:
                if fk.parent_oid not in qualified:
                    row = _q(self.conn, "SELECT %s::regclass::text", (fk.parent_oid,))
                    qualified[fk.parent_oid] = str(row[0][0])
                visit(fk.parent_oid, (*path, oid))
            order.append(oid)

        for oid in sorted(targets):
            visit(oid, ())
        with contextlib.suppress(pg.Error):
            self.conn.execute(b"SET session_replication_role = replica")  # no user triggers while seeding
        try:
            for oid in order:
                self._fill(oid, qualified[oid], parents.get(oid, []), qualified)
        finally:
            with contextlib.suppress(pg.Error):
                self.conn.execute(b"RESET session_replication_role")
        for oid in order:
            with contextlib.suppress(pg.Error):
                self.conn.execute(f"ANALYZE {qualified[oid]}".encode())
        return self.counts

    def _count(self, table: str) -> int:
        return int(str(_q(self.conn, f"SELECT count(*) FROM {table}")[0][0]))

    def _fill(self, oid: int, table: str, fks: list[ForeignKey], qualified: dict[int, str]) -> None:
        import psycopg as pg

        short = table.rsplit(".", 1)[-1].strip('"')
        have = self._count(table)
        need = self.rows - have
        if need <= 0:
            self.counts[short] = have
            return
        columns = _columns(self.conn, oid)
        unique = _unique_columns(self.conn, oid)
        overrides: dict[str, str] = {}
        for _attempt in range(MAX_RETRIES):
            statement = self._insert(table, columns, unique, fks, qualified, need, overrides)
            if isinstance(statement, str) and not statement.startswith("INSERT"):
                self.notes.append(f"no synthetic rows in {short}: {statement}")
                break
            try:
                with self.conn.transaction():
                    self.conn.execute(statement.encode())
                break
            except pg.errors.CheckViolation as err:
                if not self._relax(oid, err, columns, overrides):
                    self.notes.append(f"no synthetic rows in {short}: {_message(err)}")
                    break
            except pg.Error as err:
                self.notes.append(f"no synthetic rows in {short}: {_message(err)}")
                break
        self.counts[short] = self._count(table)

    def _relax(self, oid: int, err: Exception, columns: list[ColumnInfo], overrides: dict[str, str]) -> bool:
        name = str(getattr(getattr(err, "diag", None), "constraint_name", "") or "")
        rows = _q(self.conn,
                  "SELECT pg_get_constraintdef(c.oid), array(SELECT quote_ident(attname) FROM pg_attribute "
                  "WHERE attrelid = c.conrelid AND attnum = ANY(c.conkey)) FROM pg_constraint c "
                  "WHERE c.conrelid = %s AND c.conname = %s", (oid, name))
        if not rows:
            return False
        definition, names = str(rows[0][0]), [str(x) for x in rows[0][1]]  # type: ignore[attr-defined]  # a list
        literal = _LITERAL.search(definition)
        changed = False
        for column in columns:
            if column.name not in names or column.name in overrides:
                continue
            if not column.not_null:
                overrides[column.name] = "NULL"
            elif literal is not None:
                overrides[column.name] = f"'{literal.group(1)}'"
            else:
                continue
            changed = True
        return changed

    def _insert(self, table: str, columns: list[ColumnInfo], unique: set[str], fks: list[ForeignKey],
                qualified: dict[int, str], need: int, overrides: dict[str, str]) -> str:
        fk_of: dict[str, tuple[int, str]] = {}
        joins: list[str] = []
        ctes: list[str] = []
        for k, fk in enumerate(fks):
            parent = qualified.get(fk.parent_oid)
            if parent is None or fk.parent_oid not in qualified:
                continue
            parent_rows = self._count(parent)
            if parent_rows == 0:
                continue
            cols = ", ".join(f"{c} AS c{j}" for j, c in enumerate(fk.parent_columns))
            ctes.append(f"p{k} AS (SELECT row_number() OVER () AS rn, {cols} FROM {parent})")
            joins.append(f"JOIN p{k} ON p{k}.rn = ((g - 1) % {parent_rows}) + 1")
            for j, name in enumerate(fk.columns):
                fk_of[name] = (k, f"p{k}.c{j}")
        names: list[str] = []
        values: list[str] = []
        for column in columns:
            if column.omit:
                continue
            if column.name in overrides:
                expr: str | None = overrides[column.name]
            elif column.name in fk_of:
                expr = fk_of[column.name][1]
            elif any(column.name in fk.columns for fk in fks):
                # a foreign key whose parent has no rows: NULL passes it, anything else does not
                if column.not_null:
                    return f"its foreign key column {column.name} has no parent rows to point at"
                continue
            elif column.has_default and column.name not in unique:
                continue
            else:
                expr = value_sql(column)
            if expr is None:
                if column.not_null and not column.has_default:
                    return f"no synthetic value for column {column.name} of type {column.type_sql}"
                continue
            names.append(column.name)
            values.append(f"({expr})::{column.type_sql}" if expr != "NULL" else "NULL")
        with_clause = f"WITH {', '.join(ctes)} " if ctes else ""
        target = f"{table} ({', '.join(names)})" if names else table
        select = ", ".join(values) if values else ""
        if not names:
            return f"INSERT INTO {table} SELECT FROM generate_series(1, {need}) g"
        return (f"INSERT INTO {target} {with_clause}SELECT {select} FROM generate_series(1, {need}) g "
                f"{' '.join(joins)}")


def _message(err: Exception) -> str:
    diag = getattr(err, "diag", None)
    text = str(getattr(diag, "message_primary", "") or "") if diag is not None else ""
    return text or str(err).strip().splitlines()[0]
