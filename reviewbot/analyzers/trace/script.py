"""SQL text -> the statements a runner sends, each with its file and line, and the runner's BEGIN/COMMIT.

The transaction model is the static rules' own (layout.py decides per runner, `Migration.in_transaction`
per file); the one thing a single file cannot say is drizzle's: drizzle-orm's migrator applies every
pending migration of a deploy inside one transaction, so the new files of a change share it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from pglast import ast, parse_sql
from pglast.enums import ObjectType, TransactionStmtKind
from pglast.parser import ParseError

from reviewbot.analyzers.migrations.model import Runner
from reviewbot.analyzers.migrations.sql import LineIndex, skip_trivia


class Control(StrEnum):
    BEGIN = "BEGIN"
    COMMIT = "COMMIT"
    ROLLBACK = "ROLLBACK"
    NEW_SESSION = "RESET ALL"  # the runner opens a new connection (psql: one per file)


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement as the runner sends it; `path` None for what the runner adds (BEGIN, COMMIT)."""

    sql: str
    path: str | None = None
    line: int = 0
    end_line: int = 0
    control: Control | None = None
    # CREATE INDEX CONCURRENTLY, VACUUM, …: PostgreSQL refuses them inside a transaction block
    non_transactional: bool = False
    # Alembic's and drizzle's own bookkeeping (alembic_version): run, never reported
    bookkeeping: bool = False


@dataclass(frozen=True, slots=True)
class Split:
    statements: tuple[Statement, ...]
    problem: str | None = None


def control_of(node: ast.Node | None) -> Control | None:
    if not isinstance(node, ast.TransactionStmt):
        return None
    if node.kind in (TransactionStmtKind.TRANS_STMT_BEGIN, TransactionStmtKind.TRANS_STMT_START):
        return Control.BEGIN
    if node.kind in (TransactionStmtKind.TRANS_STMT_COMMIT, TransactionStmtKind.TRANS_STMT_PREPARE):
        return Control.COMMIT
    if node.kind == TransactionStmtKind.TRANS_STMT_ROLLBACK:
        return Control.ROLLBACK
    return None


def is_non_transactional(node: ast.Node | None) -> bool:
    """Statements PostgreSQL runs only outside a transaction block (PreventInTransactionBlock)."""
    if isinstance(node, ast.IndexStmt):
        return bool(node.concurrent)
    if isinstance(node, ast.DropStmt):
        return bool(node.concurrent)
    if isinstance(node, ast.ReindexStmt):
        return any(isinstance(o, ast.DefElem) and o.defname == "concurrently" for o in node.params or ())
    if isinstance(node, ast.VacuumStmt):
        return bool(node.is_vacuumcmd)
    if isinstance(node, ast.AlterTableStmt) and node.objtype == ObjectType.OBJECT_TABLE:
        return any(getattr(getattr(c, "def_", None), "concurrent", False) for c in node.cmds or ())
    return isinstance(
        node,
        ast.CreatedbStmt | ast.DropdbStmt | ast.AlterSystemStmt | ast.CreateTableSpaceStmt | ast.DropTableSpaceStmt,
    )


def split_sql(text: str, path: str | None, first_line: int = 1, bookkeeping: Iterable[str] = ()) -> Split:
    """Every statement of `text` with its lines (as sql.py counts them); a parse error is a problem."""
    index = LineIndex(text)
    try:
        parsed = parse_sql(text)
    except ParseError as err:
        message = str(err.args[0]) if err.args else str(err)
        return Split((), f"cannot parse SQL: {message}")
    marks = tuple(b.lower() for b in bookkeeping)
    out: list[Statement] = []
    for raw in parsed:
        start = raw.stmt_location or 0
        length = raw.stmt_len or (len(text) - start)
        begin = skip_trivia(text, start, start + length)
        stop = start + length
        while stop > begin and (text[stop - 1].isspace() or text[stop - 1] == ";"):
            stop -= 1
        sql = text[begin:stop]
        if not sql.strip():
            continue
        line = index.line_of(begin) + first_line - 1
        end_line = index.line_of(max(stop - 1, begin)) + first_line - 1
        out.append(Statement(
            sql=sql, path=path, line=line, end_line=end_line, control=control_of(raw.stmt),
            non_transactional=is_non_transactional(raw.stmt),
            bookkeeping=any(m in sql.lower() for m in marks),
        ))
    return Split(tuple(out))


@dataclass(frozen=True, slots=True)
class Unit:
    """One migration file as its runner applies it."""

    path: str
    runner: Runner
    statements: tuple[Statement, ...]
    in_transaction: bool  # the static model's verdict (layout.py + engine.load_migration)
    problem: str | None = None


def _begin() -> Statement:
    return Statement("BEGIN", control=Control.BEGIN)


def _commit() -> Statement:
    return Statement("COMMIT", control=Control.COMMIT)


def wrap_unit(unit: Unit) -> list[Statement]:
    """One file under the static model: wrapped in a transaction when its runner wraps it.

    Inside a runner's transaction (drizzle, diesel, Flyway, and the implicit one golang-migrate and
    Prisma get from a multi-statement query) a file's own COMMIT ends that transaction and the rest
    runs in a new one; its own BEGIN is already inside one (PostgreSQL warns and goes on).
    """
    if not unit.in_transaction:
        return list(unit.statements)
    out: list[Statement] = [_begin()]
    open_tx = True
    for statement in unit.statements:
        if statement.control is Control.BEGIN and open_tx:
            continue
        if statement.control is not None and statement.control is not Control.BEGIN:
            out.append(statement)
            open_tx = False
            continue
        if not open_tx:
            out.append(_begin())
            open_tx = True
        out.append(statement)
    if open_tx:
        out.append(_commit())
    return out


def runner_script(units: Sequence[Unit]) -> list[Statement]:
    """The statements one deploy of `units` (one runner, in runner order) sends, BEGIN/COMMIT included."""
    if not units:
        return []
    if units[0].runner is Runner.DRIZZLE:
        # drizzle-orm's migrator: session.transaction(tx => for each pending migration, each statement).
        joined = Unit(units[0].path, Runner.DRIZZLE, tuple(s for u in units for s in u.statements), True)
        return wrap_unit(joined)
    out: list[Statement] = []
    for unit in units:
        if unit.runner is Runner.PSQL:
            out.append(Statement("RESET ALL", control=Control.NEW_SESSION))
        out.extend(wrap_unit(unit))
    return out
