"""RB116 float-amount-to-minor-units: a float64 amount is scaled and truncated into integer minor units."""

from __future__ import annotations

import tree_sitter

from reviewbot.analyzers.go.rule import GoRule, bad, good
from reviewbot.analyzers.go.rules.money._values import (
    float_origin,
    is_decimal_to_float,
    is_money,
    last_name,
    param_fed_by_decimal,
    sink_of,
)
from reviewbot.analyzers.go.syntax import arguments, call_chain, enclosing_function, unparen
from reviewbot.analyzers.treesitter.nodes import node_text, one_line
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Evidence, Family

Node = tree_sitter.Node

_INT_TYPES = frozenset({"int64", "int", "int32", "uint64", "uint32"})
_ROUNDING = frozenset({"math.Round", "math.Floor", "math.Ceil", "math.Trunc", "math.RoundToEven"})


class FloatAmountToMinorUnits(GoRule):
    code = "RB116"
    name = "float-amount-to-minor-units"
    family = Family.MONEY
    severity = Severity.ERROR
    summary = (
        "A float64 amount (often a decimal turned into one with `InexactFloat64()`) is multiplied and converted "
        "to integer minor units."
    )
    rationale = (
        "`19.99 * 100` is 1998.9999999999998 in float64: `int64()` truncates it to 1998, a cent lost per "
        "line, and rounding only hides the error until amounts grow or carry more decimals. Going through "
        "float64 throws away the exactness the decimal was chosen for, right before the amount is billed."
    )
    help = (
        "Scale the decimal itself and round once: `amount.Shift(exponent).Round(0).IntPart()` "
        "(shopspring/decimal), never through float64."
    )
    references = (
        "https://pkg.go.dev/github.com/shopspring/decimal#Decimal.InexactFloat64",
        "https://docs.stripe.com/currencies#minor-units",
    )
    triggers = ("float", "Float")
    call_names = frozenset({"int64", "int", "int32", "uint64", "uint32"})
    evidence = (
        Evidence(
            Confidence.HIGH,
            "the float comes from a decimal (`InexactFloat64()`, `Float64()`, here or in every caller in the file) "
            "or from `strconv.ParseFloat`, or the integer reaches stripe-go params or a database write",
        ),
        Evidence(Confidence.MEDIUM, "a float64 parameter or variable named as money is converted; its origin is not seen"),
    )
    examples = (
        bad(
            """\
            package chargebee

            func toSmallestUnit(amount float64, currency string) int64 {
                multiplier := math.Pow(10, float64(precisionOf(currency)))
                return int64(math.Round(amount * multiplier))
            }

            func linePrice(item LineItem, currency string) int64 {
                return toSmallestUnit(item.Amount.InexactFloat64(), currency)
            }
            """,
            line=5,
            confidence=Confidence.HIGH,
        ),
        bad(
            """\
            package billing

            func cents(total float64) int64 {
                return int64(total * 100)
            }
            """,
            line=4,
            confidence=Confidence.MEDIUM,
        ),
        good(
            """\
            package billing

            func minorUnits(amount decimal.Decimal, exponent int32) int64 {
                return amount.Shift(exponent).Round(0).IntPart()
            }

            func progressPercent(done, total float64) int {
                return int(math.Round(done / total * 100))
            }
            """
        ),
    )

    def visit_call_expression(self, node: Node) -> None:
        function_node = node.child_by_field_name("function")
        if function_node is None or node_text(function_node) not in _INT_TYPES:
            return
        args = arguments(node)
        if len(args) != 1:
            return
        inner = unparen(args[0])
        while inner is not None and inner.type == "call_expression" and ".".join(call_chain(inner)) in _ROUNDING:
            rounded = arguments(inner)
            inner = unparen(rounded[0]) if len(rounded) == 1 else None
        if inner is None or inner.type != "binary_expression":
            return
        operator = inner.child_by_field_name("operator")
        if operator is None or node_text(operator) not in ("*", "/"):
            return
        function = enclosing_function(node)
        for side in ("left", "right"):
            operand = inner.child_by_field_name(side)
            origin = float_origin(self.ctx, operand, function)
            if origin is None or origin == "literal":
                continue
            name = last_name(operand)
            if not name or not is_money(self.ctx, name):
                continue
            self._judge(node, operand, name, origin, function)
            return

    def _judge(self, conversion: Node, operand: Node | None, name: str, origin: str, function: Node | None) -> None:
        text = one_line(node_text(conversion), 50)
        if origin == "decimal" or is_decimal_to_float(operand):
            self.report(conversion, f"`{text}` converts `{name}` from a decimal through float64 into minor units")
            return
        if origin == "parse":
            self.report(conversion, f"`{text}` converts `{name}`, parsed with strconv.ParseFloat, into minor units")
            return
        if function is not None and operand is not None and operand.type == "identifier":
            caller = param_fed_by_decimal(self.ctx, function, name)
            if caller is not None:
                self.report(
                    conversion,
                    f"`{text}` converts float64 `{name}` into minor units; the call on line "
                    f"{caller.start_point.row + 1} passes it a decimal turned into a float",
                )
                return
        sink = sink_of(self.ctx, conversion, function)
        if sink is not None:
            self.report(conversion, f"`{text}` converts float64 `{name}` into minor units that reach {sink.label}")
            return
        self.report(conversion, f"`{text}` converts float64 `{name}` into minor units", confidence=Confidence.MEDIUM)
