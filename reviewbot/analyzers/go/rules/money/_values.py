"""What a Go money value is and where it goes: float64-ness, decimal-to-float conversions, PSP and DB sinks."""

from __future__ import annotations

import re
from dataclasses import dataclass

import tree_sitter

from reviewbot.analyzers.go.db import db_write
from reviewbot.analyzers.go.psp import psp_names
from reviewbot.analyzers.go.stripe import stripe_names
from reviewbot.analyzers.go.syntax import (
    FUNCTION_TYPES,
    arguments,
    assignments_to,
    call_chain,
    calls_of_function,
    enclosing_function,
    function_name,
    parameters,
    unaddress,
    unparen,
    uses_of,
)
from reviewbot.analyzers.treesitter.nodes import ancestors, node_text
from reviewbot.analyzers.treesitter.rule import FileContext
from reviewbot.config import split_words

Node = tree_sitter.Node

FLOAT_TYPES = frozenset({"float64", "float32", "*float64", "*float32"})
# Words that make a money-looking Go name a measure of something else (beyond the config's list).
_NOT_MONEY = frozenset(
    {"second", "minute", "minutes", "hour", "hours", "day", "days", "week", "weeks", "month", "months", "per",
     "score", "progress", "index", "offset", "page", "limit", "step", "width", "height", "usage", "quantity",
     "qty", "units", "value", "percentage", "lag", "events", "event"}
)
_MATH_FLOAT = re.compile(r"^math\.(Round|Floor|Ceil|Trunc|Pow|Abs|Max|Min|RoundToEven|Mod)$")
# Converting a decimal to a float: shopspring/decimal, ericlagergren, cockroachdb/apd, big.Float.
DECIMAL_TO_FLOAT = frozenset({"InexactFloat64", "Float64"})
# The currency's exponent is looked up: the conversion is currency-aware.
CURRENCY_AWARE = re.compile(
    r"Exponent|Precision|Decimals|DecimalPlaces|MinorUnit|ZeroDecimal|zeroDecimal|SmallestUnitFactor|Multiplier\(|"
    r"\bJPY\b|\"jpy\"|\"JPY\"|currency\.Unit",
)
# Struct tags that make a field a stored column.
DB_TAG = re.compile(r"\b(db|gorm|bun|pg|sql|bson|dynamodbav|firestore|ch|sqlite|xorm|boil):\"")


def is_money(ctx: FileContext, name: str) -> bool:
    """A money name under the configuration, minus measures (`totalSeconds`, `usageQuantity`)."""
    return ctx.config.is_money_name(name) and not any(w in _NOT_MONEY for w in split_words(name))


def last_name(node: Node | None) -> str:
    """The name an expression is known by: `amount` -> amount, `req.Amount` -> Amount, `*x.Total` -> Total."""
    node = unaddress(node)
    while node is not None:
        if node.type == "identifier" or node.type == "field_identifier":
            return node_text(node)
        if node.type == "selector_expression":
            field = node.child_by_field_name("field")
            return node_text(field) if field is not None else ""
        if node.type in ("unary_expression", "parenthesized_expression"):
            children = [c for c in node.named_children if c.type != "comment"]
            node = children[-1] if children else None
            continue
        if node.type == "call_expression":
            parts = call_chain(node)
            if parts and parts[-1] in DECIMAL_TO_FLOAT | {"Round", "Truncate", "RoundBank", "Abs", "Neg"} and len(parts) >= 2:
                function = node.child_by_field_name("function")
                node = function.child_by_field_name("operand") if function is not None else None
                continue
            return ""
        return ""
    return ""


def struct_fields(ctx: FileContext) -> dict[str, list[tuple[str, str, Node]]]:
    """The file's struct fields: name -> [(type text, tag text, node)]."""
    return ctx.fact(_struct_fields)


def _struct_fields(ctx: FileContext) -> dict[str, list[tuple[str, str, Node]]]:
    found: dict[str, list[tuple[str, str, Node]]] = {}
    for declaration in ctx.all_of("field_declaration"):
        type_node = declaration.child_by_field_name("type")
        tag = declaration.child_by_field_name("tag")
        for name in declaration.children_by_field_name("name"):
            found.setdefault(node_text(name), []).append(
                (node_text(type_node) if type_node is not None else "", node_text(tag) if tag is not None else "", name)
            )
    return found


def declared_type(ctx: FileContext, function: Node | None, name: str) -> str:
    """The declared type of `name` in `function`: a parameter's, a `var name T`'s, or '' when not written."""
    if function is None:
        return ""
    for outer in [function, *[a for a in ancestors(function) if a.type in FUNCTION_TYPES]]:
        for parameter in parameters(outer):
            if parameter.name == name:
                return parameter.type
    for spec in ctx.descendants(function, "var_spec"):
        type_node = spec.child_by_field_name("type")
        if type_node is not None and any(node_text(n) == name for n in spec.children_by_field_name("name")):
            return node_text(type_node)
    return ""


def is_decimal_to_float(node: Node | None) -> bool:
    """`price.Amount.InexactFloat64()`, `amount.Float64()`: a decimal turned into a float."""
    node = unparen(node)
    if node is None or node.type != "call_expression":
        return False
    parts = call_chain(node)
    return len(parts) >= 2 and parts[-1] in DECIMAL_TO_FLOAT and not arguments(node)


def float_origin(ctx: FileContext, node: Node | None, function: Node | None, depth: int = 0) -> str | None:
    """Why `node` is a float: "decimal" (a decimal turned into a float), "parse" (strconv.ParseFloat),
    "declared" (a float64 variable, parameter or field), "math" (float arithmetic); None if not a float."""
    node = unaddress(node)
    if node is None or depth > 4:
        return None
    kind = node.type
    if kind == "float_literal":
        return "literal"
    if kind == "call_expression":
        if is_decimal_to_float(node):
            return "decimal"
        chain = ".".join(call_chain(node))
        if chain == "strconv.ParseFloat":
            return "parse"
        if chain in ("float64", "float32"):
            args = arguments(node)
            inner = float_origin(ctx, args[0], function, depth + 1) if args else None
            return inner or "declared"
        if _MATH_FLOAT.match(chain):
            for arg in arguments(node):
                inner = float_origin(ctx, arg, function, depth + 1)
                if inner is not None:
                    return inner
            return "math"
        return None
    if kind == "binary_expression":
        operator = node.child_by_field_name("operator")
        if operator is None or node_text(operator) not in ("*", "/", "+", "-"):
            return None
        for side in ("left", "right"):
            inner = float_origin(ctx, node.child_by_field_name(side), function, depth + 1)
            if inner is not None and inner != "literal":
                return inner
        return None
    if kind == "identifier":
        name = node_text(node)
        if declared_type(ctx, function, name) in FLOAT_TYPES:
            return "declared"
        if function is None:
            return None
        for assignment in assignments_to(ctx, function, name):
            if assignment.value is None or assignment.statement.start_byte > node.start_byte:
                continue
            if assignment.is_tuple and not (is_decimal_to_float(assignment.value) or
                                            ".".join(call_chain(assignment.value)) == "strconv.ParseFloat"):
                continue
            inner = float_origin(ctx, assignment.value, function, depth + 1)
            if inner is not None:
                return inner
        return None
    if kind == "selector_expression":
        field = node.child_by_field_name("field")
        name = node_text(field) if field is not None else ""
        declared = struct_fields(ctx).get(name, [])
        if declared and all(t in FLOAT_TYPES for t, _, _ in declared):
            return "declared"
        return None
    return None


def param_fed_by_decimal(ctx: FileContext, function: Node, name: str) -> Node | None:
    """A call in this file that passes a decimal-to-float conversion as the parameter `name` of `function`."""
    fname = function_name(function)
    params = parameters(function, receiver=False)
    position = next((i for i, p in enumerate(params) if p.name == name), -1)
    if not fname or position < 0:
        return None
    for call in calls_of_function(ctx, fname):
        args = arguments(call)
        if position < len(args) and is_decimal_to_float(args[position]):
            return call
    return None


@dataclass(frozen=True, slots=True)
class Sink:
    node: Node  # where the value lands: the params literal, the write call
    label: str  # "the Stripe params `stripe.PaymentIntentCreateParams`", "the SQL write `INSERT INTO payments`"
    kind: str  # "psp" or "db"


def sink_of(ctx: FileContext, node: Node, function: Node | None, depth: int = 0) -> Sink | None:
    """Where the value at `node` lands: a stripe-go params literal or assignment, or a database write,
    directly or through the variable it is assigned to (two hops at most)."""
    if depth > 2:
        return None
    names = stripe_names(ctx)
    sdks = psp_names(ctx)
    current = node
    for parent in ancestors(node):
        if parent.type in FUNCTION_TYPES:
            break
        if parent.type == "composite_literal":
            type_node = parent.child_by_field_name("type")
            if type_node is not None and type_node.type == "qualified_type":
                package = node_text(type_node.child_by_field_name("package") or type_node)
                if package in names:
                    return Sink(parent, f"the Stripe params `{node_text(type_node)}`", "psp")
                if package in sdks:
                    return Sink(parent, f"the PSP request `{node_text(type_node)}`", "psp")
        if parent.type == "call_expression" and _is_argument(parent, current):
            chain = call_chain(parent)
            if len(chain) == 2 and chain[0] in sdks and chain[0] not in names:
                return Sink(parent, f"the PSP call `{'.'.join(chain)}`", "psp")
        if parent.type == "call_expression":
            write = db_write(ctx, parent)
            if write is not None and _is_argument(parent, current):
                return Sink(parent, f"the database write `{write.label}`", "db")
        if parent.type == "assignment_statement":
            left = parent.child_by_field_name("left")
            right = parent.child_by_field_name("right")
            if left is not None and right is not None and right.start_byte <= node.start_byte:
                text = node_text(right)
                if any(text.startswith(f"{n}.Int64(") or text.startswith(f"{n}.Float64(") for n in names):
                    return Sink(parent, f"the Stripe params field `{node_text(left)}`", "psp")
                target = left.named_children[0] if left.named_children else None
                if target is not None and target.type == "identifier" and function is not None:
                    return _through(ctx, target, function, depth)
            break
        if parent.type in ("short_var_declaration", "var_spec"):
            left_list = parent.child_by_field_name("left")
            targets = left_list.named_children if left_list is not None else list(parent.children_by_field_name("name"))
            if len(targets) == 1 and targets[0].type == "identifier" and function is not None:
                return _through(ctx, targets[0], function, depth)
            break
        if parent.type in ("block", "statement_list", "expression_statement", "return_statement", "if_statement"):
            break
        current = parent
    return None


def _through(ctx: FileContext, target: Node, function: Node, depth: int) -> Sink | None:
    for use in uses_of(ctx, function, node_text(target)):
        if use.start_byte <= target.start_byte:
            continue
        found = sink_of(ctx, use, function, depth + 1)
        if found is not None:
            return found
    return None


def _is_argument(call: Node, node: Node) -> bool:
    args = call.child_by_field_name("arguments")
    return args is not None and args.start_byte <= node.start_byte < args.end_byte


def in_function(node: Node) -> Node | None:
    return enclosing_function(node)
