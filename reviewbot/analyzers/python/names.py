"""Reading names, dotted names, imports and literals off libcst nodes, without metadata."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence

import libcst as cst


def dotted_name(node: cst.BaseExpression) -> str | None:
    """`stripe.PaymentIntent.create` -> "stripe.PaymentIntent.create"; None if not a plain chain."""
    parts: list[str] = []
    current: cst.BaseExpression = node
    while isinstance(current, cst.Attribute):
        parts.append(current.attr.value)
        current = current.value
    if isinstance(current, cst.Name):
        parts.append(current.value)
        return ".".join(reversed(parts))
    return None


def call_chain(node: cst.BaseExpression) -> str | None:
    """Like dotted_name, but looks through calls: `client.v1.refunds.create` or `Foo().bar`."""
    parts: list[str] = []
    current: cst.BaseExpression = node
    while True:
        if isinstance(current, cst.Attribute):
            parts.append(current.attr.value)
            current = current.value
        elif isinstance(current, cst.Call):
            current = current.func
        elif isinstance(current, cst.Subscript):
            current = current.value
        elif isinstance(current, cst.Name):
            parts.append(current.value)
            return ".".join(reversed(parts))
        else:
            return ".".join(reversed(parts)) if parts else None


def qualified_name(node: cst.BaseExpression, imports: dict[str, str]) -> str | None:
    """The dotted name with its first part resolved through the file's imports."""
    name = dotted_name(node)
    if name is None:
        return None
    head, _, rest = name.partition(".")
    target = imports.get(head)
    if target is None:
        return name
    return f"{target}.{rest}" if rest else target


def collect_imports(module: cst.Module) -> dict[str, str]:
    """alias -> qualified name for every import in the module (nested ones included)."""
    out: dict[str, str] = {}
    for stmt in iter_import_statements(module.body):
        if isinstance(stmt, cst.Import):
            for alias in stmt.names:
                full = dotted_name(alias.name)
                if full is None:
                    continue
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    out[alias.asname.name.value] = full
                else:
                    out[full.split(".")[0]] = full.split(".")[0]
        elif isinstance(stmt, cst.ImportFrom) and not isinstance(stmt.names, cst.ImportStar):
            base = dotted_name(stmt.module) if stmt.module is not None else ""
            for alias in stmt.names:
                target = dotted_name(alias.name)
                if target is None:
                    continue
                local = target
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    local = alias.asname.name.value
                out[local] = f"{base}.{target}" if base else target
    return out


def iter_import_statements(body: Sequence[cst.CSTNode]) -> Iterator[cst.Import | cst.ImportFrom]:
    """Imports at module level and inside if/try blocks (TYPE_CHECKING, optional deps)."""
    for stmt in body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, (cst.Import, cst.ImportFrom)):
                    yield small
        elif isinstance(stmt, (cst.If, cst.Try)):
            yield from iter_import_statements(stmt.body.body)
            if isinstance(stmt, cst.Try):
                for handler in stmt.handlers:
                    yield from iter_import_statements(handler.body.body)
            orelse = stmt.orelse
            if isinstance(orelse, (cst.Else, cst.If)):
                yield from iter_import_statements(orelse.body.body)


def target_name(node: cst.BaseExpression | cst.BaseAssignTargetExpression) -> str | None:
    """The last name of an assignment target: `amount`, `self.amount` -> "amount"."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return None


def keyword_arg(call: cst.Call, name: str) -> cst.Arg | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def literal_value(node: cst.SimpleString) -> str | bytes | None:
    """The value of a string literal; None for one CPython refuses though libcst parses it (a NUL
    byte, an unknown `\\N{...}` name): `evaluated_value` would raise and crash the rule (issue #15)."""
    raw = node.value
    quote = node.quote
    prefix = node.prefix
    # Without an escape, a NUL or a carriage return, a text literal's value is its body: no need for
    # CPython to compile it (libcst's evaluated_value runs ast.literal_eval, a parse per literal).
    if "\\" not in raw and "\x00" not in raw and "\r" not in raw and prefix.lower() in ("", "r", "u"):
        return raw[len(prefix) + len(quote) : len(raw) - len(quote)]
    try:
        return node.evaluated_value
    except (SyntaxError, ValueError, MemoryError):
        return None


def string_value(node: cst.BaseExpression) -> str | None:
    """The value of a plain or concatenated string literal, else None (f-strings excluded)."""
    if isinstance(node, cst.SimpleString):
        value = literal_value(node)
        return value if isinstance(value, str) else None
    if isinstance(node, cst.ConcatenatedString):
        left = string_value(node.left)
        right = string_value(node.right)
        return left + right if left is not None and right is not None else None
    return None


def is_float_literal(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.Float):
        return True
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        return isinstance(node.expression, cst.Float)
    return False


def function_name(node: cst.FunctionDef) -> str:
    return node.name.value




# Fields that hold whitespace, comments or punctuation: never a node a rule dispatches on.
SKIPPED_FIELDS = frozenset(
    {
        "lpar", "rpar", "comma", "semicolon", "leading_lines", "lines_after_decorators",
        "header", "footer", "trailing_whitespace", "newline", "colon", "equal", "dot",
        "whitespace_before", "whitespace_after", "whitespace_before_colon",
        "whitespace_after_colon", "whitespace_after_def", "whitespace_before_params",
        "whitespace_after_star", "whitespace_after_arg", "whitespace_after_keyword",
        "whitespace_before_as", "whitespace_after_as", "whitespace_after_import",
        "whitespace_after_from", "whitespace_after_class", "whitespace_before_value",
        "whitespace_after_await", "whitespace_after_cases", "whitespace_after_lambda",
        "whitespace_after_indicator", "whitespace_after_param", "whitespace_after_for",
        "whitespace_before_in", "whitespace_after_in", "whitespace_after_if",
        "whitespace_before_if", "whitespace_after_else", "whitespace_before_else",
        "whitespace_after_while", "whitespace_after_with", "whitespace_after_except",
        "whitespace_after_return", "whitespace_after_raise", "whitespace_after_assert",
        "whitespace_after_del", "whitespace_after_global", "whitespace_after_nonlocal",
        "whitespace_after_yield", "whitespace_after_match", "whitespace_after_case",
        "whitespace_before_from", "whitespace_after_async", "whitespace_after_walrus",
        "whitespace_before_walrus",
    }
)
NODE_FIELDS: dict[type, tuple[str, ...]] = {}


def node_fields(node_type: type) -> tuple[str, ...]:
    """The fields of a libcst node type that can hold other nodes worth walking (cached)."""
    names = NODE_FIELDS.get(node_type)
    if names is None:
        names = tuple(
            f.name
            for f in dataclasses.fields(node_type)
            if f.name not in SKIPPED_FIELDS and not f.name.startswith("whitespace")
        )
        NODE_FIELDS[node_type] = names
    return names


def _walked_node_types() -> frozenset[type]:
    """Every concrete libcst node class except whitespace, comments and newlines.

    CSTNode is an ABC, so `isinstance(x, CSTNode)` costs an ABC check per field; a set lookup on the
    exact type is several times cheaper, and leaving whitespace out prunes subtrees no rule reads.
    """
    skipped = (cst.BaseParenthesizableWhitespace, cst.Comment, cst.EmptyLine, cst.Newline, cst.TrailingWhitespace)
    found: set[type] = set()
    pending: list[type] = [cst.CSTNode]
    while pending:
        current = pending.pop()
        subclasses: list[type] = current.__subclasses__()
        for sub in subclasses:
            pending.append(sub)
            if not getattr(sub, "__abstractmethods__", None) and not issubclass(sub, skipped):
                found.add(sub)
    return frozenset(found)


WALKED_NODE_TYPES = _walked_node_types()


def iter_descendants(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Every node below `node` (not itself), depth-first, skipping whitespace and punctuation."""
    walked = WALKED_NODE_TYPES
    for name in NODE_FIELDS.get(type(node)) or node_fields(type(node)):
        value = getattr(node, name)
        value_type = type(value)
        if value_type in walked:
            yield value
            yield from iter_descendants(value)
        elif value_type is tuple or value_type is list:
            for item in value:
                if type(item) in walked:
                    yield item
                    yield from iter_descendants(item)
