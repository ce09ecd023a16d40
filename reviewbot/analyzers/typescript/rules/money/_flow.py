"""Where a TypeScript value ends up: a Stripe call's amount, a database write, a PSP-amount return value."""

from __future__ import annotations

import re
from dataclasses import dataclass

import tree_sitter

from reviewbot.analyzers.treesitter.nodes import node_text
from reviewbot.analyzers.treesitter.rule import FileContext
from reviewbot.analyzers.typescript.db import db_write
from reviewbot.analyzers.typescript.stripe import stripe_call
from reviewbot.analyzers.typescript.syntax import (
    FUNCTION_TYPES,
    call_chain,
    enclosing_function,
    function_name,
    outermost_function,
    property_key,
)
from reviewbot.config import split_words

Node = tree_sitter.Node

# Words that make a money-looking name a measure of something else (JS names, beyond the config's list).
_NOT_MONEY = frozenset(
    {"second", "minute", "minutes", "hour", "hours", "day", "days", "month", "months", "week", "weeks", "per",
     "score", "progress", "runway", "index", "offset", "page", "limit", "step", "width", "height", "opacity"}
)
# A function whose name says it turns an amount into what the PSP receives.
PSP_AMOUNT_FUNCTION = re.compile(
    r"(stripe|psp|minor|smallest|cents|subunit|zero_?decimal)[_a-z]*(amount|unit|units)?$|^(to|in|as)(cents|minor)",
    re.IGNORECASE,
)
# Wrappers a value passes through on its way to where it is used, without becoming another value.
_PASS_THROUGH = frozenset(
    {"parenthesized_expression", "await_expression", "as_expression", "non_null_expression", "satisfies_expression",
     "binary_expression", "unary_expression", "ternary_expression", "template_substitution"}
)
_ROUNDING = frozenset({"round", "floor", "ceil", "trunc", "abs", "max", "min", "Number", "parseInt", "toFixed"})


def is_money(ctx: FileContext, name: str) -> bool:
    """A money name under the configuration, minus JS measures (`totalSeconds`, `payoutsPerSecond`)."""
    return ctx.config.is_money_name(name) and not any(w in _NOT_MONEY for w in split_words(name))


def name_of(node: Node | None) -> str:
    """The name an expression is known by: `amount`, `req.body.amount` -> amount, `x.toFixed(2)` -> x."""
    while node is not None:
        kind = node.type
        if kind in ("identifier", "shorthand_property_identifier", "property_identifier"):
            return node_text(node)
        if kind == "member_expression":
            prop = node.child_by_field_name("property")
            return node_text(prop) if prop is not None else ""
        if kind == "subscript_expression":
            index = node.child_by_field_name("index")
            text = node_text(index).strip("\"'`") if index is not None else ""
            return text if text.replace("_", "").isalnum() else name_of(node.child_by_field_name("object"))
        if kind == "call_expression":
            parts = call_chain(node)
            if parts and parts[-1] in ("toFixed", "toString", "trim", "valueOf", "toPrecision"):
                function = node.child_by_field_name("function")
                node = function.child_by_field_name("object") if function is not None else None
                continue
            return parts[-1] if parts else ""
        if kind in ("parenthesized_expression", "await_expression", "as_expression", "non_null_expression"):
            inner = [c for c in node.named_children if c.type != "comment"]
            node = inner[0] if inner else None
            continue
        if kind == "binary_expression":
            left = name_of(node.child_by_field_name("left"))
            return left or name_of(node.child_by_field_name("right"))
        return ""
    return ""


@dataclass(frozen=True, slots=True)
class Sink:
    label: str  # "the amount of stripe.refunds.create(...)", "the payments write", ...
    key: str  # the property or function the value lands in


def destination(node: Node) -> tuple[str, Node | None]:
    """Where the value of `node` goes next: ("pair", pair) / ("declarator", d) / ("return", stmt) / ("", None)."""
    current = node
    parent = current.parent
    while parent is not None and (parent.type in _PASS_THROUGH or _is_rounding_call(parent, current)):
        current, parent = parent, parent.parent
        if current.type == "arguments" and parent is not None:
            current, parent = parent, parent.parent
    if parent is None:
        return "", None
    if parent.type == "pair" and parent.child_by_field_name("value") == current:
        return "pair", parent
    if parent.type == "variable_declarator":
        return "declarator", parent
    if parent.type == "return_statement" or (parent.type == "arrow_function" and parent.child_by_field_name("body") == current):
        return "return", parent
    if parent.type == "assignment_expression":
        return "assignment", parent
    return "", None


def _is_rounding_call(parent: Node, child: Node) -> bool:
    if parent.type == "arguments":
        call = parent.parent
        return call is not None and call.type == "call_expression" and (call_chain(call) or [""])[-1] in _ROUNDING
    return False


def sink_of(ctx: FileContext, node: Node, depth: int = 0) -> Sink | None:
    """The PSP amount, money column or PSP-amount return value that `node`'s value reaches, if seen."""
    kind, where = destination(node)
    if where is None:
        return None
    if kind == "pair":
        key = property_key(where) or ""
        return _object_sink(ctx, where, key) if is_money(ctx, key) or key.startswith("amount") else None
    if kind == "return":
        function = where if where.type == "arrow_function" else enclosing_function(where)
        name = function_name(function) if function is not None else ""
        if name and PSP_AMOUNT_FUNCTION.search(name):
            return Sink(f"the amount `{name}` returns", name)
        return None
    if kind == "declarator" and depth < 2:
        target = where.child_by_field_name("name")
        if target is None or target.type != "identifier":
            return None
        return _uses_reach_sink(ctx, node_text(target), where, depth)
    return None


def _object_sink(ctx: FileContext, pair: Node, key: str) -> Sink | None:
    obj = pair.parent
    if obj is None:
        return None
    holder = obj.parent
    while holder is not None and holder.type in ("arguments", "pair", "object", "array", "parenthesized_expression"):
        if holder.type == "arguments" and holder.parent is not None:
            call = holder.parent
            found = stripe_call(ctx, call)
            if found is not None and found.method in ("create", "update", "capture", "confirm", "createReversal", "createRefund", "createBalanceTransaction", "incrementAuthorization"):
                return Sink(f"`{key}` of `{found.receiver}.{found.label}(...)`", key)
            write = _write_holding(call)
            if write is not None:
                return Sink(f"`{key}` written by `{write}`", key)
            return None
        holder = holder.parent
    return None


def _write_holding(call: Node) -> str | None:
    """The database write whose values (or arguments) contain this call's arguments."""
    write = db_write(call)
    if write is not None:
        return write.target if not write.direct else f"{write.kind} into {write.target}"
    # Drizzle: the object is passed to .values()/.set() chained on the insert/update call.
    parts = call_chain(call)
    if parts and parts[-1] in ("values", "set"):
        function = call.child_by_field_name("function")
        inner = function.child_by_field_name("object") if function is not None else None
        if inner is not None:
            write = db_write(inner)
            if write is not None:
                return f"{write.kind} into {write.target}"
    return None


def _uses_reach_sink(ctx: FileContext, name: str, declarator: Node, depth: int) -> Sink | None:
    scope = outermost_function(declarator) or ctx.root
    for use in ctx.descendants(scope, "identifier", "shorthand_property_identifier"):
        if use.start_byte <= declarator.end_byte or node_text(use) != name:
            continue
        if use.type == "shorthand_property_identifier":
            sink = _object_sink(ctx, use, name) if is_money(ctx, name) else None
        else:
            sink = sink_of(ctx, use, depth + 1)
        if sink is not None:
            return sink
    return None


def may_reach_sink(ctx: FileContext, node: Node) -> bool:
    """Cheap test before `sink_of`: the function around `node` writes, calls Stripe, or makes PSP amounts."""
    scope = outermost_function(node)
    if scope is None:
        return True
    if writes_money(ctx, node):
        return True
    inner = enclosing_function(node)
    names = {function_name(f) for f in (scope, inner) if f is not None}
    if any(name and PSP_AMOUNT_FUNCTION.search(name) for name in names):
        return True
    known = ctx.fact(_stripe_callers)
    if scope.id not in known:
        known[scope.id] = any(stripe_call(ctx, c) is not None for c in ctx.descendants(scope, "call_expression"))
    return known[scope.id]


def _stripe_callers(ctx: FileContext) -> dict[int, bool]:
    return {}


def writes_money(ctx: FileContext, node: Node) -> bool:
    """The function around `node` writes to the database or moves money at the PSP (memoised per function)."""
    scope = outermost_function(node)
    if scope is None:
        return False
    known = ctx.fact(_writers)
    if scope.id not in known:
        known[scope.id] = _writes(ctx, scope)
    return known[scope.id]


def _writers(ctx: FileContext) -> dict[int, bool]:
    return {}


def _writes(ctx: FileContext, scope: Node) -> bool:
    for call in ctx.descendants(scope, "call_expression"):
        write = db_write(call)
        if write is not None and write.kind in ("insert", "update", "write"):
            return True
        found = stripe_call(ctx, call)
        if found is not None and found.is_money_moving:
            return True
    return False


def in_function(node: Node) -> bool:
    return any(p.type in FUNCTION_TYPES for p in _parents(node))


def _parents(node: Node) -> list[Node]:
    out = []
    parent = node.parent
    while parent is not None:
        out.append(parent)
        parent = parent.parent
    return out
