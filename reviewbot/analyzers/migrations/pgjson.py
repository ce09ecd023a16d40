"""PostgreSQL's parse tree as libpg_query's JSON, read without building pglast's Python AST.

pglast's `parse_sql` turns every node of every statement into a Python object, checking each attribute as
it is set: on real migration folders that costs about five times the C parse itself (issue #18). The rules
read a few fields of a few statements, so the tree is read as the JSON libpg_query prints (one C call and
`json.loads`) through the helpers below. A tree too deep for `json.loads` is read with pglast and turned
into the same shape, so the result never depends on which path was taken.

Shape: a node is `{"Tag": {field: value}}` where the field's type is any node, and its fields alone where
the type is fixed (`relation` is a RangeVar's fields); zero, false and null fields are left out; offsets are
UTF-8 byte offsets. The helpers accept a fixed-type field in either form.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum

from pglast import ast, parse_sql
from pglast.parser import parse_sql_json

Fields = dict[str, object]

_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# pglast's Python attribute names for fields whose C names are Python keywords
_KEYWORD_FIELDS = {"def_": "def"}
# The field of a JSON A_Const that holds its value, by pglast's class of that value
_CONST_FIELDS = {"Integer": "ival", "Float": "fval", "Boolean": "boolval", "String": "sval", "BitString": "bsval"}


@dataclass(frozen=True, slots=True)
class RawStatement:
    """One statement of a parsed text: its node, and where it is in the text (in characters)."""

    tag: str  # the statement's node type ("" for an empty statement)
    node: Fields
    location: int
    length: int  # 0: to the end of the text
    offsets: CharOffsets  # the text's byte offsets (the node's `location` fields) -> characters


def parse_statements(text: str, *, via_ast: bool = False) -> tuple[RawStatement, ...]:
    """Every statement of `text`; raises pglast's ParseError as `parse_sql` does, also for a text nested
    too deeply, never crashing the process.

    `via_ast` takes the path used for trees too deep for `json.loads` (tests prove both agree).
    """
    document = parse_sql_json(text)  # a syntax error, or a text nested too deeply for PostgreSQL, raises here
    if not via_ast:
        try:
            return _from_json(text, json.loads(document))
        except RecursionError:
            pass
    # The JSON parse succeeded, so the tree is within PostgreSQL's own depth limit (about 15,000 levels),
    # which pglast's conversion to Python objects handles: it overflows the C stack only from about 25,000.
    return tuple(_from_ast(raw) for raw in parse_sql(text))


def _from_json(text: str, document: object) -> tuple[RawStatement, ...]:
    stmts = document.get("stmts") if isinstance(document, dict) else None
    offsets = CharOffsets(text)
    out: list[RawStatement] = []
    for raw in stmts if isinstance(stmts, list) else ():
        if not isinstance(raw, dict):
            continue
        tag, node = unwrap(raw.get("stmt"))
        start = number(raw, "stmt_location")
        length = number(raw, "stmt_len")
        first = offsets.char_index(start)
        out.append(RawStatement(tag, node, first, offsets.char_index(start + length) - first if length else 0, offsets))
    return tuple(out)


def _from_ast(raw: ast.RawStmt) -> RawStatement:
    """A pglast RawStmt in the JSON shape (pglast's offsets are characters already)."""
    tag, node = unwrap(ast_to_json(raw.stmt)) if raw.stmt is not None else ("", {})
    return RawStatement(tag, node, raw.stmt_location or 0, raw.stmt_len or 0, _CHARACTERS)


def ast_to_json(root: ast.Node) -> object:
    """A pglast node as libpg_query's JSON would give it (every node wrapped in its tag); iterative."""
    holder: list[object] = [None]
    stack: list[tuple[object, list[object] | Fields, int | str]] = [(root, holder, 0)]
    while stack:
        value, parent, key = stack.pop()
        converted: object
        if isinstance(value, ast.Node):
            fields: Fields = {}
            converted = {type(value).__name__: fields}
            if isinstance(value, ast.A_Const):
                if value.isnull:
                    fields["isnull"] = True
                if value.val is not None:
                    inner: Fields = {}
                    fields[_CONST_FIELDS[type(value.val).__name__]] = inner
                    stack.extend((getattr(value.val, attr), inner, attr) for attr in value.val)
            else:
                stack.extend((getattr(value, attr), fields, _KEYWORD_FIELDS.get(attr, attr)) for attr in value)
        elif isinstance(value, tuple):
            items: list[object] = [None] * len(value)
            # A list inside a list is a List node in the JSON
            converted = {"List": {"items": items}} if isinstance(parent, list) else items
            stack.extend((item, items, index) for index, item in enumerate(value))
        elif isinstance(value, Enum):
            converted = value.name
        else:
            converted = value
        if isinstance(parent, list):
            assert isinstance(key, int)  # list slots are filled by index
            parent[key] = converted
        elif converted is not None:
            assert isinstance(key, str)
            parent[key] = converted
    return holder[0]


class CharOffsets:
    """UTF-8 byte offset (libpg_query) -> character offset (Python, pglast) of a text."""

    def __init__(self, text: str) -> None:
        self.starts: list[int] = []  # byte offset of each multi-byte character
        self.extra: list[int] = [0]  # bytes beyond one per character, of the characters before the k-th
        if text.isascii():
            return
        extra = 0
        for match in _NON_ASCII.finditer(text):
            code = ord(match.group())
            self.starts.append(match.start() + extra)
            extra += 1 if code < 0x800 else 2 if code < 0x10000 else 3
            self.extra.append(extra)

    def char_index(self, offset: int) -> int:
        if not self.starts:
            return offset
        return offset - self.extra[bisect.bisect_left(self.starts, offset)]


_CHARACTERS = CharOffsets("")  # offsets that are characters already


def unwrap(value: object) -> tuple[str, Fields]:
    """`{"Tag": {fields}}` -> ("Tag", fields); anything else -> ("", {})."""
    if isinstance(value, dict) and len(value) == 1:
        for tag, fields in value.items():
            if isinstance(fields, dict) and "A" <= tag[:1] <= "Z":
                return tag, fields
    return "", {}


def record(fields: Fields, name: str) -> Fields | None:
    """A field of a fixed node type (`relation`, `typeName`), wrapped in its tag or not; None when absent."""
    value = fields.get(name)
    if not isinstance(value, dict):
        return None
    tag, inner = unwrap(value)
    return inner if tag else value


def child(fields: Fields, name: str) -> tuple[str, Fields]:
    """A field that may hold any node: its tag and fields, ("", {}) when absent."""
    return unwrap(fields.get(name))


def children(fields: Fields, name: str) -> list[tuple[str, Fields]]:
    """A list field's nodes (a List node's items when the field holds one)."""
    value = fields.get(name)
    if isinstance(value, dict):
        tag, inner = unwrap(value)
        value = inner.get("items") if tag == "List" else None
    if not isinstance(value, list):
        return []
    # Every item of a list is a node, `{"Tag": {fields}}`: its one pair is (tag, fields)
    return [pair for item in value if isinstance(item, dict) for pair in item.items()]


def text(fields: Fields, name: str) -> str | None:
    value = fields.get(name)
    return value if isinstance(value, str) else None


def number(fields: Fields, name: str) -> int:
    value = fields.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def flag(fields: Fields, name: str) -> bool:
    return fields.get(name) is True


def string_value(tag: str, fields: Fields) -> str:
    """A String node's text ("" for another node)."""
    return text(fields, "sval") or "" if tag == "String" else ""


def last_string(fields: Fields, name: str) -> str:
    """The last String of a name list (`funcname`, `names`, `fields`); "" when it is not a String."""
    items = children(fields, name)
    return string_value(*items[-1]) if items else ""


def const_string(tag: str, fields: Fields) -> str | None:
    """The text of an A_Const string literal; None for any other node."""
    if tag != "A_Const":
        return None
    value = fields.get("sval")
    if not isinstance(value, dict):
        return None
    return text(value, "sval") or ""


def const_integer(tag: str, fields: Fields) -> int | None:
    """The value of an A_Const integer literal; None for any other node."""
    if tag != "A_Const":
        return None
    value = fields.get("ival")
    return number(value, "ival") if isinstance(value, dict) else None


def walk(root: object) -> Iterator[tuple[str, Fields]]:
    """Every node under `root` (itself included) in document order; iterative, as trees can be deep."""
    stack: list[object] = [root]
    pop, extend = stack.pop, stack.extend
    while stack:
        current = pop()
        if isinstance(current, dict):
            if len(current) == 1:
                for tag, fields in current.items():  # unwrap(), inlined: this loop visits every node
                    if isinstance(fields, dict) and "A" <= tag[:1] <= "Z":
                        yield tag, fields
                        if tag != "A_Const":  # its value is not a node of its own
                            extend(reversed(fields.values()))
                        break
                else:
                    extend(reversed(current.values()))
            else:
                extend(reversed(current.values()))
        elif isinstance(current, list):
            extend(reversed(current))
