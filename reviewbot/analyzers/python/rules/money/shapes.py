"""Code shapes the money rules share: float annotations, where a value goes, reporting calls."""

from __future__ import annotations

import libcst as cst

from reviewbot.analyzers.python.names import call_chain, dotted_name, string_value, target_name
from reviewbot.analyzers.python.rule import FileContext
from reviewbot.analyzers.python.rules.money.values import (
    FLOAT_TYPE_NAMES,
    PASSTHROUGH_CALLS,
    call_name,
    is_money_name,
)

_UNION_HEADS = frozenset({"Optional", "Union"})
# Homogeneous containers: the last argument is the type of every element or mapping value.
_CONTAINER_HEADS = frozenset(
    {
        "list", "List", "set", "Set", "frozenset", "FrozenSet", "Sequence", "MutableSequence",
        "Iterable", "Iterator", "Collection", "dict", "Dict", "Mapping", "MutableMapping",
        "defaultdict", "DefaultDict", "OrderedDict",
    }
)
# Calls that only record or display a number: a float there cannot reach a ledger or a PSP.
_REPORTING_PARTS = frozenset(
    {
        "logger", "logging", "log", "statsd", "metrics", "metric", "prometheus", "sentry_sdk",
        "span", "tracer", "histogram", "gauge",
    }
)
_REPORTING_METHODS = frozenset(
    {
        "debug", "info", "warning", "warn", "error", "exception", "critical", "log", "print",
        "gauge", "histogram", "observe", "timing", "distribution", "increment", "incr",
        "set_tag", "set_context", "set_extra", "set_measurement", "set_attribute",
    }
)


def has_float_type(annotation: cst.BaseExpression) -> bool:
    """`float`, `float | None`, `Optional[float]`, `list[float]`, `confloat(gt=0)`, `"float"`."""
    if isinstance(annotation, cst.Call):
        return has_float_type(annotation.func)
    if isinstance(annotation, (cst.Name, cst.Attribute)):
        name = dotted_name(annotation)
        return name is not None and name.rsplit(".", 1)[-1] in FLOAT_TYPE_NAMES
    if isinstance(annotation, cst.Subscript):
        head = dotted_name(annotation.value)
        kind = head.rsplit(".", 1)[-1] if head is not None else ""
        types = [e.slice.value for e in annotation.slice if isinstance(e.slice, cst.Index)]
        if kind in _UNION_HEADS:
            return any(has_float_type(t) for t in types)
        if kind in _CONTAINER_HEADS or (kind in {"tuple", "Tuple"} and len(types) == 2 and _is_ellipsis(types[1])):
            # the element (or mapping value) type: `list[float]`, `dict[str, float]`, `tuple[float, ...]`
            return bool(types) and has_float_type(types[-1] if kind not in {"tuple", "Tuple"} else types[0])
        if kind == "Annotated":
            return bool(types) and has_float_type(types[0])
        return False  # `Literal[...]`, `Mapped[...]` (RB107), mixed tuples, callables
    if isinstance(annotation, cst.BinaryOperation):
        return has_float_type(annotation.left) or has_float_type(annotation.right)
    if isinstance(annotation, (cst.List, cst.Tuple)):
        return any(has_float_type(e.value) for e in annotation.elements)
    text = string_value(annotation)
    if text is not None:
        try:
            return has_float_type(cst.parse_expression(text))
        except cst.ParserSyntaxError:
            return False
    return False


def _is_ellipsis(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Ellipsis)


def is_mapped_float(annotation: cst.BaseExpression) -> bool:
    """`Mapped[float]`, `Mapped[float | None]`, `Mapped[Optional[float]]`."""
    if not isinstance(annotation, cst.Subscript):
        return False
    head = dotted_name(annotation.value)
    if head is None or head.rsplit(".", 1)[-1] != "Mapped":
        return False
    return any(
        isinstance(element.slice, cst.Index) and has_float_type(element.slice.value)
        for element in annotation.slice
    )


def destination(ctx: FileContext, node: cst.CSTNode, *, returns: bool = True) -> str | None:
    """The name `node`'s value ends up in: an assignment target, a keyword, a dict key, a return.

    Walks up through arithmetic and pass-through calls (`round`, `abs`, `float`), so for
    `fee_rate = float(fee) / 100` the destination of `float(fee)` is "fee_rate". With
    `returns=False` a returned value has no destination: function names are verbs
    (`split_payout`), and a ratio word in one does not make the returned value a ratio.
    """
    child: cst.CSTNode = node
    for parent in reversed(ctx.parents):
        if isinstance(parent, (cst.BinaryOperation, cst.UnaryOperation, cst.IfExp, cst.BooleanOperation)):
            child = parent
            continue
        if isinstance(parent, cst.Arg):
            if parent.keyword is not None:
                return parent.keyword.value
            child = parent
            continue
        if isinstance(parent, cst.Call):
            if child is not parent.func and call_name(parent.func) in PASSTHROUGH_CALLS:
                child = parent
                continue
            return None
        return _landing(ctx, parent, child, returns)
    return None


def _landing(ctx: FileContext, parent: cst.CSTNode, child: cst.CSTNode, returns: bool) -> str | None:
    if isinstance(parent, cst.Assign) and child is parent.value:
        return target_name(parent.targets[0].target)
    if isinstance(parent, (cst.AnnAssign, cst.AugAssign)) and child is parent.value:
        return target_name(parent.target)
    if isinstance(parent, cst.DictElement) and child is parent.value:
        return string_value(parent.key)
    if isinstance(parent, cst.Param) and child is parent.default:
        return parent.name.value
    if isinstance(parent, cst.Return) and returns:
        func = ctx.enclosing_function()
        return func.name.value if func is not None else None
    return None


def is_reporting_call(call: cst.Call) -> bool:
    """`logger.info(...)`, `statsd.gauge(...)`, `print(...)`: calls that only record a number."""
    chain = call_chain(call.func)
    if chain is None:
        return False
    parts = chain.lower().split(".")
    return parts[-1] in _REPORTING_METHODS or any(p in _REPORTING_PARTS for p in parts[:-1])


def is_inside_reporting_call(ctx: FileContext) -> bool:
    """Whether the node being visited is an argument, at any depth, of a reporting call."""
    for parent in reversed(ctx.parents):
        if isinstance(parent, cst.Call) and is_reporting_call(parent):
            return True
        if isinstance(parent, cst.BaseStatement | cst.BaseSmallStatement):
            return False
    return False


def is_money_destination(ctx: FileContext, name: str | None) -> bool:
    return name is not None and is_money_name(ctx.config, name)
