"""Just enough SQL reading for RB5xx: UPDATE's SET and WHERE, SELECT's columns and FOR UPDATE."""

from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst

from reviewbot.analyzers.python.names import string_value

_UPDATE_RE = re.compile(
    r"^\s*UPDATE\s+(?:ONLY\s+)?(?P<table>[\w.\"]+)(?:\s+(?:AS\s+)?\w+)?\s+SET\s+(?P<set>.+?)"
    r"(?:\s+FROM\s+.+?)?(?:\s+WHERE\s+(?P<where>.+?))?(?:\s+RETURNING\s+(?P<returning>.+?))?\s*;?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_SELECT_RE = re.compile(r"^\s*(?:WITH\s+.+?\)\s*)?SELECT\s+(?P<columns>.+?)\s+FROM\s+(?P<table>[\w.\"]+)", re.I | re.S)
_FOR_UPDATE_RE = re.compile(r"\bFOR\s+(?:NO\s+KEY\s+)?UPDATE\b", re.IGNORECASE)
# A value the SQL did not compute: %s, %(name)s, ?, :name, $1, or a Python-formatted `{}`.
_PLACEHOLDER_RE = re.compile(r"^\s*(?:%s|%\(\w+\)s|\?|:\w+|\$\d+|\{\w*\})\s*$")
_SQL_WORDS = frozenset({"and", "or", "not", "in", "is", "null", "any", "all", "true", "false", "s"})
_KEY_COLUMNS = frozenset({"id", "pk", "uuid", "reference", "ref", "external_id", "public_id"})
_IDENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True, slots=True)
class SqlUpdate:
    table: str
    assignments: tuple[tuple[str, str], ...]  # (column, expression)
    where: str
    returning: bool

    def sets_from_placeholder(self, column: str) -> bool:
        return any(col == column and _PLACEHOLDER_RE.match(expr) for col, expr in self.assignments)

    def where_mentions(self, column: str) -> bool:
        return column in identifiers(self.where)


@dataclass(frozen=True, slots=True)
class SqlSelect:
    table: str
    columns: frozenset[str]
    for_update: bool


def identifiers(sql: str) -> frozenset[str]:
    """Lower-cased identifiers outside string literals: `a.balance >= %s` -> {a, balance}."""
    without_strings = re.sub(r"'(?:[^']|'')*'", "''", sql)
    return frozenset(m.group(0).lower() for m in _IDENT_RE.finditer(without_strings))


def sql_text(node: cst.BaseExpression) -> str | None:
    """The text of a string literal or f-string (holes as `{}`) that looks like SQL, else None."""
    if isinstance(node, cst.FormattedString):
        parts: list[str] = []
        for part in node.parts:
            parts.append(part.value if isinstance(part, cst.FormattedStringText) else "{}")
        text: str | None = "".join(parts)
    elif isinstance(node, cst.ConcatenatedString):
        left, right = _raw_text(node.left), _raw_text(node.right)
        text = left + right if left is not None and right is not None else None
    else:
        if isinstance(node, cst.SimpleString) and not _may_be_sql(node.value):
            return None  # decoding every string literal of a file costs more than the rest of the rule
        text = string_value(node)
    if text is None:
        return None
    head = text.lstrip()[:7].upper()
    return text if head.startswith(("UPDATE", "SELECT", "WITH")) else None


# The first word of a string literal's source, past its prefix, quotes, whitespace and `\n`-style escapes.
_FIRST_WORD_RE = re.compile(r"""^[rRbBuUfF]*(?:\"\"\"|'\'\'|\"|')(?:\s|\\[ntr])*([A-Za-z]*)""")
_SQL_HEADS = frozenset({"update", "select", "with"})


def _may_be_sql(raw: str) -> bool:
    """Whether a string literal's source (`'UPDATE ...'`, `r"select"`) can start with an SQL head."""
    match = _FIRST_WORD_RE.match(raw)
    return match is None or match.group(1).lower() in _SQL_HEADS


def _raw_text(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.FormattedString):
        return "".join(p.value if isinstance(p, cst.FormattedStringText) else "{}" for p in node.parts)
    if isinstance(node, cst.ConcatenatedString):
        left, right = _raw_text(node.left), _raw_text(node.right)
        return left + right if left is not None and right is not None else None
    return string_value(node)


def is_key_only(where: str) -> bool:
    """Whether a WHERE clause names only keys (`id = %s AND merchant_id = %s`): one row, no state."""
    found = identifiers(where)
    if "null" in found:  # `dispute_id IS NOT NULL` selects rows by state, not one row by key
        return False
    names = found - _SQL_WORDS
    return all(name in _KEY_COLUMNS or name.endswith(("_id", "_uuid")) for name in names)


def parse_update(text: str) -> SqlUpdate | None:
    match = _UPDATE_RE.match(text)
    if match is None:
        return None
    assignments: list[tuple[str, str]] = []
    for piece in _split_top_level(match.group("set")):
        column, sep, expr = piece.partition("=")
        if sep:
            assignments.append((column.strip().strip('"').split(".")[-1].lower(), expr.strip()))
    table = match.group("table").strip('"').split(".")[-1].lower()
    return SqlUpdate(table, tuple(assignments), match.group("where") or "", match.group("returning") is not None)


def parse_select(text: str) -> SqlSelect | None:
    match = _SELECT_RE.match(text)
    if match is None:
        return None
    table = match.group("table").strip('"').split(".")[-1].lower()
    return SqlSelect(table, identifiers(match.group("columns")), bool(_FOR_UPDATE_RE.search(text)))


def _split_top_level(text: str) -> list[str]:
    pieces: list[str] = []
    depth, start, quoted = 0, 0, False
    for i, char in enumerate(text):
        if char == "'":
            quoted = not quoted
        elif quoted:
            continue
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            pieces.append(text[start:i])
            start = i + 1
    pieces.append(text[start:])
    return pieces
