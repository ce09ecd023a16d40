"""Reading calls, literals and SQL strings off CPython `ast` nodes for the Alembic and Django front ends."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass, field

from reviewbot.analyzers.migrations.model import ColumnType, Default, ParseProblem
from reviewbot.analyzers.migrations.pgtypes import normalize_type

# `ast` (C parser, line numbers on every node) instead of libcst: a migration pass over a few hundred
# Django migration modules must cost well under a second, and these readers never rewrite code.


@dataclass(frozen=True, slots=True)
class CallArgs:
    """A call's name (last dotted part), positional and keyword arguments."""

    name: str
    chain: str
    positional: tuple[ast.expr, ...]
    keywords: dict[str, ast.expr] = field(default_factory=dict)

    def arg(self, position: int | None, keyword: str) -> ast.expr | None:
        if keyword in self.keywords:
            return self.keywords[keyword]
        if position is not None and position < len(self.positional):
            return self.positional[position]
        return None


def parse_python(text: str) -> ast.Module | ParseProblem:
    """The module, or why it cannot be parsed (CPython's message and location)."""
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError) as err:
        return _parse_problem(err)
    except (RecursionError, MemoryError):
        # CPython's parser gives up on deeply nested expressions this way; so would Django's import.
        return ParseProblem("cannot parse: too deeply nested to analyse", 1, 1)


def _parse_problem(err: SyntaxError | ValueError) -> ParseProblem:
    # CPython's parser points at the error itself, as the Python rules engine reports RB901.
    if isinstance(err, SyntaxError):
        return ParseProblem(f"cannot parse: {err.msg}", err.lineno or 1, err.offset or 1)
    return ParseProblem(f"cannot parse: {err}", 1, 1)


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)?")


def source_lines(text: str) -> list[str]:
    """The lines `ast` numbers (ends kept): only \\n, \\r\\n and \\r end a line, unlike str.splitlines."""
    return _LINE.findall(text)


def dotted_name(node: ast.expr) -> str | None:
    """`settings.AUTH_USER_MODEL` -> "settings.AUTH_USER_MODEL"; None if not a plain chain."""
    parts: list[str] = []
    current = node
    while isinstance(current, ast.Attribute):
        parts.append(current.attr)
        current = current.value
    if isinstance(current, ast.Name):
        parts.append(current.id)
        return ".".join(reversed(parts))
    return None


def call_chain(node: ast.expr) -> str | None:
    """Like dotted_name, but looks through calls and subscripts: `op.batch_alter_table`, `Foo().bar`."""
    parts: list[str] = []
    current = node
    while True:
        if isinstance(current, ast.Attribute):
            parts.append(current.attr)
            current = current.value
        elif isinstance(current, ast.Call):
            current = current.func
        elif isinstance(current, ast.Subscript):
            current = current.value
        elif isinstance(current, ast.Name):
            parts.append(current.id)
            return ".".join(reversed(parts))
        else:
            return ".".join(reversed(parts)) if parts else None


def items(node: ast.expr) -> list[ast.expr]:
    """The elements of a list or tuple display, `*x` read as `x`; [] for anything else."""
    if not isinstance(node, ast.List | ast.Tuple):
        return []
    return [el.value if isinstance(el, ast.Starred) else el for el in node.elts]


def call_args(call: ast.Call) -> CallArgs:
    chain = call_chain(call.func) or ""
    positional = tuple(arg for arg in call.args if not isinstance(arg, ast.Starred))
    keywords = {kw.arg: kw.value for kw in call.keywords if kw.arg is not None}
    return CallArgs(chain.rsplit(".", 1)[-1], chain, positional, keywords)


def _first_argument(call: ast.Call) -> ast.expr | None:
    if call.args:
        first = call.args[0]
        return first.value if isinstance(first, ast.Starred) else first
    return call.keywords[0].value if call.keywords else None


def string_value(node: ast.expr | None) -> str | None:
    """A literal string (also implicit concatenation and `sa.text("…")`), else None."""
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    if isinstance(node, ast.Call) and (call_chain(node.func) or "").endswith("text"):
        first = _first_argument(node)
        return string_value(first) if first is not None else None
    return None


def literal_bool(node: ast.expr | None) -> bool | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, bool):
        return node.value
    return None


def literal_int(node: ast.expr | None) -> int | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    return None


def string_items(node: ast.expr | None) -> tuple[str, ...]:
    """`["a", "b"]` / `("a",)` -> ("a", "b"); a single string -> (it,)."""
    single = string_value(node)
    if single is not None:
        return (single,)
    if node is None:
        return ()
    return tuple(v for el in items(node) if (v := string_value(el)) is not None)


def _segment(lines: list[str], node: ast.expr) -> str:
    """The source text of a node (ast columns are UTF-8 byte offsets)."""
    end_line = node.end_lineno or node.lineno
    end_col = node.end_col_offset if node.end_col_offset is not None else len(lines[end_line - 1].encode())
    if node.lineno == end_line:
        return lines[node.lineno - 1].encode()[node.col_offset : end_col].decode()
    head = lines[node.lineno - 1].encode()[node.col_offset :].decode()
    middle = lines[node.lineno : end_line - 1]
    tail = lines[end_line - 1].encode()[:end_col].decode()
    return "".join([head, *middle, tail])


def _single_literal(segment: str) -> bool:
    """Whether a string constant's source is one literal (not an implicit concatenation)."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(f"({segment})").readline))
    except (tokenize.TokenError, SyntaxError):
        return False
    return sum(1 for tok in tokens if tok.type == tokenize.STRING) == 1


def sql_start(node: ast.expr, lines: list[str]) -> tuple[int, str] | None:
    """For a literal SQL string: (file line of the string's first content line, the SQL).

    `lines` is the module source split by `source_lines`.
    """
    target = node
    if isinstance(target, ast.Call):
        first = _first_argument(target)
        if first is None:
            return None
        target = first
    sql = string_value(target)
    if sql is None:
        return None
    line = node.lineno
    if isinstance(target, ast.Constant) and not sql.startswith("\n"):
        segment = _segment(lines, target)
        raw = segment.lstrip("rRbBuUfF")
        quote = raw[:3] if raw[:3] in ('"""', "'''") else raw[:1]
        # A triple-quoted string that opens with a newline starts its SQL on the next line.
        if raw[len(quote) :].startswith("\n") and _single_literal(segment):
            line += 1
    return line, sql


def function_default(node: ast.expr) -> Default | None:
    """`sa.func.now()`, `Now()`, `RandomUUID()` -> a Default naming the function."""
    if not isinstance(node, ast.Call):
        return None
    name = (call_chain(node.func) or "").rsplit(".", 1)[-1]
    known = {
        "now": False, "Now": False, "current_timestamp": False, "localtimestamp": False,
        "statement_timestamp": False, "transaction_timestamp": False, "Value": False,
        "RandomUUID": True, "Random": True, "gen_random_uuid": True, "clock_timestamp": True,
        "random": True, "uuid_generate_v4": True, "nextval": True,
    }
    volatile = known.get(name, True)
    return Default(f"{name}()", volatile=volatile)


def expression_type_name(node: ast.expr | None) -> tuple[str, CallArgs | None]:
    """`sa.String(50)` -> ("String", args); `sa.Integer` -> ("Integer", None)."""
    if isinstance(node, ast.Call):
        args = call_args(node)
        return args.name, args
    if node is not None:
        name = dotted_name(node) or ""
        return name.rsplit(".", 1)[-1], None
    return "", None


_SA_TYPES: dict[str, str] = {
    "String": "varchar", "VARCHAR": "varchar", "Unicode": "varchar", "NVARCHAR": "varchar",
    "Text": "text", "TEXT": "text", "UnicodeText": "text", "Integer": "int4", "INTEGER": "int4",
    "INT": "int4", "BigInteger": "int8", "BIGINT": "int8", "SmallInteger": "int2", "SMALLINT": "int2",
    "Numeric": "numeric", "NUMERIC": "numeric", "DECIMAL": "numeric", "Float": "float8",
    "FLOAT": "float8", "REAL": "float4", "Double": "float8", "DOUBLE": "float8",
    "DOUBLE_PRECISION": "float8", "MONEY": "money", "DateTime": "timestamp", "TIMESTAMP": "timestamp",
    "Date": "date", "DATE": "date", "Time": "time", "Boolean": "bool", "BOOLEAN": "bool",
    "JSON": "json", "JSONB": "jsonb", "UUID": "uuid", "Uuid": "uuid", "LargeBinary": "bytea",
    "BYTEA": "bytea", "Interval": "interval", "INTERVAL": "interval", "CITEXT": "citext",
    "INET": "inet", "CIDR": "cidr", "CHAR": "bpchar",
}


def sqlalchemy_type(node: ast.expr | None) -> ColumnType | None:
    """The PostgreSQL type an SQLAlchemy type expression renders to."""
    name, args = expression_type_name(node)
    base = _SA_TYPES.get(name)
    if base is None:
        return normalize_type(name.lower()) if name else None
    mods: tuple[int, ...] = ()
    if args is not None:
        if base == "varchar":
            length = literal_int(args.arg(0, "length"))
            mods = (length,) if length is not None else ()
        elif base == "numeric":
            precision = literal_int(args.arg(0, "precision"))
            scale = literal_int(args.arg(1, "scale"))
            if precision is not None:
                mods = (precision, scale or 0)
        elif base == "timestamp" and literal_bool(args.arg(0, "timezone")):
            base = "timestamptz"
    return normalize_type(base, mods)
