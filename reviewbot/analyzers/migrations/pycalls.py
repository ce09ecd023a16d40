"""Reading calls, literals and SQL strings off libcst nodes for the Alembic and Django front ends."""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import CodeRange

from reviewbot.analyzers.migrations.model import ColumnType, Default
from reviewbot.analyzers.migrations.pgtypes import normalize_type
from reviewbot.analyzers.python.names import call_chain, dotted_name


@dataclass(frozen=True, slots=True)
class CallArgs:
    """A call's name (last dotted part), positional and keyword arguments."""

    name: str
    chain: str
    positional: tuple[cst.BaseExpression, ...]
    keywords: dict[str, cst.BaseExpression] = field(default_factory=dict)

    def arg(self, position: int | None, keyword: str) -> cst.BaseExpression | None:
        if keyword in self.keywords:
            return self.keywords[keyword]
        if position is not None and position < len(self.positional):
            return self.positional[position]
        return None


def call_args(call: cst.Call) -> CallArgs:
    chain = call_chain(call.func) or ""
    positional: list[cst.BaseExpression] = []
    keywords: dict[str, cst.BaseExpression] = {}
    for arg in call.args:
        if arg.keyword is not None:
            keywords[arg.keyword.value] = arg.value
        elif not arg.star:
            positional.append(arg.value)
    return CallArgs(chain.rsplit(".", 1)[-1], chain, tuple(positional), keywords)


def string_value(node: cst.BaseExpression | None) -> str | None:
    """A literal string (also implicit concatenation and `sa.text("…")`), else None."""
    if isinstance(node, cst.SimpleString | cst.ConcatenatedString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    if isinstance(node, cst.Call) and node.args and (call_chain(node.func) or "").endswith("text"):
        return string_value(node.args[0].value)
    return None


def literal_bool(node: cst.BaseExpression | None) -> bool | None:
    if isinstance(node, cst.Name) and node.value in ("True", "False"):
        return node.value == "True"
    return None


def literal_int(node: cst.BaseExpression | None) -> int | None:
    if isinstance(node, cst.Integer):
        return int(node.evaluated_value)
    return None


def string_items(node: cst.BaseExpression | None) -> tuple[str, ...]:
    """`["a", "b"]` / `("a",)` -> ("a", "b"); a single string -> (it,)."""
    single = string_value(node)
    if single is not None:
        return (single,)
    if isinstance(node, cst.List | cst.Tuple):
        return tuple(v for el in node.elements if (v := string_value(el.value)) is not None)
    return ()


def sql_start(node: cst.BaseExpression, where: CodeRange) -> tuple[int, str] | None:
    """For a literal SQL string: (file line of the string's first content line, the SQL)."""
    target: cst.BaseExpression = node
    if isinstance(target, cst.Call) and target.args:
        target = target.args[0].value
    sql = string_value(target)
    if sql is None:
        return None
    line = where.start.line
    if isinstance(target, cst.SimpleString):
        quote = target.quote
        prefix = target.prefix
        raw = target.value[len(prefix) + len(quote) :]
        # A triple-quoted string that opens with a newline starts its SQL on the next line.
        if raw.startswith("\n") and not sql.startswith("\n"):
            line += 1
    return line, sql


def function_default(node: cst.BaseExpression) -> Default | None:
    """`sa.func.now()`, `Now()`, `RandomUUID()` -> a Default naming the function."""
    if not isinstance(node, cst.Call):
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


def expression_type_name(node: cst.BaseExpression | None) -> tuple[str, CallArgs | None]:
    """`sa.String(50)` -> ("String", args); `sa.Integer` -> ("Integer", None)."""
    if isinstance(node, cst.Call):
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


def sqlalchemy_type(node: cst.BaseExpression | None) -> ColumnType | None:
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
            if length is None:
                base = "varchar"
        elif base == "numeric":
            precision = literal_int(args.arg(0, "precision"))
            scale = literal_int(args.arg(1, "scale"))
            if precision is not None:
                mods = (precision, scale or 0)
        elif base == "timestamp" and literal_bool(args.arg(0, "timezone")):
            base = "timestamptz"
    return normalize_type(base, mods)
