"""The SQL statements inside a `DO $$ … $$` block, read with PostgreSQL's own PL/pgSQL parser (pglast).

drizzle-kit wraps every foreign key it generates in `DO $$ BEGIN ALTER TABLE … ADD CONSTRAINT … EXCEPTION
WHEN duplicate_object THEN null; END $$;`, and hand-written migrations guard DDL with `IF NOT EXISTS (…)
THEN … END IF` the same way: the DDL is inside the block, and it takes the same locks as outside it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

from pglast.parser import parse_plpgsql_json

from reviewbot.analyzers.migrations.pgjson import Fields, child, children, const_string, number, text
from reviewbot.analyzers.migrations.statements import select_targets

# libpg_query parses PL/pgSQL only as the body of a CREATE FUNCTION; the tag is one no body can contain
# by accident (a dollar-quoted body ends at the first repetition of its own tag).
_WRAPPER_TAG = "$reviewbot_do_body$"


@dataclass(frozen=True, slots=True)
class BodyStatement:
    """One SQL statement the block runs: its text and its line within the body (1 = the opening line)."""

    sql: str
    line: int
    dynamic: bool  # EXECUTE of a constant string


def do_body(stmt: Fields) -> tuple[str, int] | None:
    """(the body text, the offset of its opening quote, as the parse gave it) of a PL/pgSQL DO block; None otherwise."""
    body: str | None = None
    offset = -1
    language = "plpgsql"
    for tag, arg in children(stmt, "args"):
        if tag != "DefElem":
            continue
        value_tag, value = child(arg, "arg")
        if value_tag != "String":
            continue
        if text(arg, "defname") == "as":
            body = text(value, "sval") or ""
            # No DO body starts the text, so 0 (left out of the JSON) is "not known" like -1
            offset = number(arg, "arg_location")
            offset = offset if offset > 0 else number(arg, "location")
        elif text(arg, "defname") == "language":
            language = (text(value, "sval") or "").lower()
    if body is None or language != "plpgsql" or _WRAPPER_TAG in body:
        return None
    return body, offset


def body_statements(body: str) -> list[BodyStatement]:
    """The SQL statements of a PL/pgSQL body in line order; raises ParseError when it is not PL/pgSQL."""
    wrapped = f"CREATE FUNCTION reviewbot_do() RETURNS void LANGUAGE plpgsql AS {_WRAPPER_TAG}{body}{_WRAPPER_TAG}"
    tree = json.loads(parse_plpgsql_json(wrapped))
    found = [s for s in _walk(tree) if s.sql.strip()]
    found.sort(key=lambda s: s.line)
    return found


def _walk(tree: object) -> Iterator[BodyStatement]:
    # An explicit stack: a generated body can nest IF blocks deeper than Python's recursion limit.
    stack: list[object] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(reversed(node))
            continue
        if not isinstance(node, dict):
            continue
        execsql = node.get("PLpgSQL_stmt_execsql")
        dynexecute = node.get("PLpgSQL_stmt_dynexecute")
        if isinstance(execsql, dict):
            query = _expr_query(execsql.get("sqlstmt"))
            if query is not None:
                yield BodyStatement(query, _line(execsql), dynamic=False)
        elif isinstance(dynexecute, dict):
            constant = _constant_string(_expr_query(dynexecute.get("query")))
            if constant is not None:
                yield BodyStatement(constant, _line(dynexecute), dynamic=True)
        stack.extend(reversed(list(node.values())))


def _line(node: dict[str, object]) -> int:
    line = node.get("lineno")
    return line if isinstance(line, int) and line > 0 else 1


def _expr_query(node: object) -> str | None:
    if isinstance(node, dict):
        expr = node.get("PLpgSQL_expr")
        if isinstance(expr, dict) and isinstance(expr.get("query"), str):
            return str(expr["query"])
    return None


def _constant_string(expression: str | None) -> str | None:
    """`'CREATE INDEX …'` -> the string; None for format(…), concatenations and variables."""
    if expression is None:
        return None
    count, targets = select_targets(expression)
    if count != 1 or len(targets) != 1:
        return None
    tag, target = targets[0]
    return const_string(*child(target, "val")) if tag == "ResTarget" else None
