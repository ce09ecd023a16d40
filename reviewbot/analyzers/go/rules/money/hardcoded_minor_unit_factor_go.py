"""RB117 hardcoded-minor-unit-factor-go: a Go amount is turned into minor units with a fixed `* 100`."""

from __future__ import annotations

import re

import tree_sitter

from reviewbot.analyzers.go.rule import GoRule, bad, good
from reviewbot.analyzers.go.rules.money._values import (
    CURRENCY_AWARE,
    float_origin,
    is_money,
    last_name,
    sink_of,
)
from reviewbot.analyzers.go.stripe import literal_fields
from reviewbot.analyzers.go.syntax import arguments, call_chain, enclosing_function, string_value, unparen
from reviewbot.analyzers.treesitter.nodes import ancestors, node_text, one_line
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Evidence, Family

Node = tree_sitter.Node

# `decimal.NewFromInt(100)`, `decimal.New(100, 0)`, `decimal.NewFromFloat(100)`, `decimal.RequireFromString("100")`.
_HUNDRED = re.compile(r"^(\w+\.(NewFromInt|NewFromInt32|NewFromFloat|NewFromFloat32|New|RequireFromString|NewFromString)"
                      r"\(\s*\"?100(\.0+)?\"?\s*(,\s*0\s*)?\)|100)$")
# Conversions that make the product an integer count of minor units.
_TO_INT = frozenset({"IntPart", "BigInt", "Int64", "CoefficientInt64"})
# Two-decimal currencies: a fixed `* 100` is right for them.
_TWO_DECIMAL = re.compile(r"^\"?(usd|eur|gbp|cad|aud|chf|sek|nok|dkk|nzd|sgd|hkd|inr|brl|mxn|pln|zar)\"?$", re.I)


class HardcodedMinorUnitFactorGo(GoRule):
    code = "RB117"
    name = "hardcoded-minor-unit-factor-go"
    family = Family.MONEY
    severity = Severity.ERROR
    summary = (
        "A Go amount is converted to minor units with a fixed `* 100` (`amount.Mul(decimal.NewFromInt(100)).IntPart()`) "
        "while its currency varies."
    )
    rationale = (
        "Not every currency has cents: JPY and KRW have no minor unit, KWD, BHD and JOD have three decimals. "
        "A fixed `* 100` sends Stripe 100 times the price of a yen invoice and a tenth of a dinar one, and "
        "`IntPart()` truncates whatever fraction is left instead of rounding it."
    )
    help = (
        "Scale by the currency's exponent (`amount.Shift(int32(currencyExponent(cur))).Round(0).IntPart()`, with a "
        "table of zero- and three-decimal currencies) or keep amounts in minor units end to end."
    )
    references = ("https://docs.stripe.com/currencies#zero-decimal", "https://pkg.go.dev/github.com/shopspring/decimal")
    triggers = ("100", "Shift(2)")
    call_names = frozenset({"Mul", "Shift"})
    evidence = (
        Evidence(Confidence.HIGH, "the `* 100` amount reaches stripe-go params whose currency is not a fixed two-decimal one"),
        Evidence(Confidence.MEDIUM, "a money value is multiplied by 100 and truncated to an integer; where it goes is not seen"),
    )
    examples = (
        bad(
            """\
            package billing

            func (s *Service) Charge(ctx context.Context, req ChargeRequest) error {
                amountInCents := req.Amount.Mul(decimal.NewFromInt(100)).IntPart()
                params := &stripe.PaymentIntentCreateParams{
                    Amount:   stripe.Int64(amountInCents),
                    Currency: stripe.String(req.Currency),
                }
                params.SetIdempotencyKey("charge:" + req.ID)
                _, err := s.sc.V1PaymentIntents.Create(ctx, params)
                return err
            }
            """,
            line=4,
            confidence=Confidence.HIGH,
        ),
        bad(
            """\
            package billing

            func toCents(price decimal.Decimal) int64 {
                return price.Mul(decimal.NewFromInt(100)).IntPart()
            }
            """,
            line=4,
            confidence=Confidence.MEDIUM,
        ),
        good(
            """\
            package billing

            func minorUnits(amount decimal.Decimal, currency string) int64 {
                return amount.Shift(int32(currencyExponent(currency))).Round(0).IntPart()
            }

            func usagePercent(used, limit decimal.Decimal) int64 {
                return used.Div(limit).Mul(decimal.NewFromInt(100)).IntPart()
            }
            """
        ),
    )

    def visit_call_expression(self, node: Node) -> None:
        parts = call_chain(node)
        if not parts or parts[-1] not in ("Mul", "Shift"):
            return
        args = arguments(node)
        if len(args) != 1:
            return
        factor = node_text(args[0]).replace(" ", "")
        if parts[-1] == "Mul" and not _HUNDRED.match(factor):
            return
        if parts[-1] == "Shift" and factor != "2":
            return
        function = node.child_by_field_name("function")
        operand = function.child_by_field_name("operand") if function is not None else None
        name = last_name(operand)
        if not name or not is_money(self.ctx, name):
            return
        self._judge(node, _integer_conversion(node), name)

    def visit_binary_expression(self, node: Node) -> None:
        operator = node.child_by_field_name("operator")
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if operator is None or left is None or right is None or node_text(operator) != "*":
            return
        if node_text(right).strip() == "100":
            operand = left
        elif node_text(left).strip() == "100":
            operand = right
        else:
            return
        function = enclosing_function(node)
        if float_origin(self.ctx, operand, function) is not None:
            return  # a float operand: RB116 reports the conversion
        name = last_name(operand)
        if not name or not is_money(self.ctx, name) or re.search(r"cents|minor", name, re.I):
            return
        conversion = _integer_conversion(node)
        if conversion is None:
            return
        self._judge(node, conversion, name)

    def _judge(self, product: Node, conversion: Node | None, name: str) -> None:
        function = enclosing_function(product)
        if function is None or CURRENCY_AWARE.search(node_text(function)):
            return
        at = conversion or product
        sink = sink_of(self.ctx, at, function)
        if sink is not None and sink.kind == "psp":
            currency = literal_fields(sink.node).get("Currency") if sink.node.type == "composite_literal" else None
            inner = unparen(arguments(currency)[0]) if currency is not None and currency.type == "call_expression" and arguments(currency) else None
            if inner is not None and _TWO_DECIMAL.match(string_value(inner) or node_text(inner)):
                return
            self.report(
                at,
                f"`{one_line(node_text(at), 50)}` scales `{name}` by a fixed 100 and reaches {sink.label}",
            )
            return
        if conversion is not None:
            self.report(
                at,
                f"`{one_line(node_text(at), 50)}` scales `{name}` to minor units by a fixed 100",
                confidence=Confidence.MEDIUM,
            )


def _integer_conversion(node: Node) -> Node | None:
    """The expression that makes the product an integer: `.IntPart()` on it, or `int64(...)` around it."""
    current = node
    for parent in ancestors(node):
        if parent.type in ("parenthesized_expression",):
            current = parent
            continue
        if parent.type == "selector_expression":
            call = parent.parent
            field = parent.child_by_field_name("field")
            if call is not None and call.type == "call_expression" and field is not None:
                if node_text(field) in _TO_INT:
                    return call
                if node_text(field) in ("Round", "RoundBank", "Truncate", "Floor", "Ceil"):
                    current = call
                    continue
            return None
        if parent.type == "argument_list":
            call = parent.parent
            if call is not None and node_text(call.child_by_field_name("function") or call) in ("int64", "int", "int32", "uint64"):
                return call
            return None
        if parent.type == "call_expression" and current.type == "call_expression":
            continue
        return None
    return None
