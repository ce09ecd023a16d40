"""RB115 hardcoded-minor-unit-factor: an amount is converted to minor units with a fixed `* 100`."""

from __future__ import annotations

import re

import tree_sitter

from reviewbot.analyzers.treesitter.nodes import node_text, one_line
from reviewbot.analyzers.typescript.rule import TypeScriptRule, bad, good
from reviewbot.analyzers.typescript.rules.money._flow import is_money, name_of, sink_of
from reviewbot.analyzers.typescript.stripe import stripe_call
from reviewbot.analyzers.typescript.syntax import (
    arguments,
    number_value,
    object_members,
    string_value,
    unwrap,
)
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Evidence, Family

Node = tree_sitter.Node

# ISO 4217 currencies whose minor unit is not 1/100 (Stripe: zero-decimal and three-decimal currencies).
_NOT_TWO_DECIMALS = frozenset(
    {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf",
     "bhd", "jod", "kwd", "omr", "tnd", "iqd", "lyd"}
)
_CURRENCY_AWARE = re.compile(r"multiplier|exponent|decimals|minorUnit|zeroDecimal|fractionDigits|currencyFactor", re.I)


class HardcodedMinorUnitFactor(TypeScriptRule):
    code = "RB115"
    name = "hardcoded-minor-unit-factor"
    family = Family.MONEY
    severity = Severity.ERROR
    summary = "An amount sent to the PSP is converted to minor units with a fixed `* 100` while its currency varies."
    rationale = (
        "Not every currency has cents: JPY and KRW have no minor unit and KWD, BHD and JOD have three "
        "decimals. `amount * 100` charges a yen customer 100 times the price and a dinar customer a tenth of "
        "it. Stripe takes the amount as given."
    )
    help = (
        "Convert with the currency's exponent (`Intl.NumberFormat(locale, { style: \"currency\", currency })"
        ".resolvedOptions().maximumFractionDigits`, or a table of zero- and three-decimal currencies), or keep "
        "minor units end to end."
    )
    references = ("https://docs.stripe.com/currencies#zero-decimal",)
    triggers = ("* 100", "*100", "100 *")
    requires = (("stripe", "Stripe"),)
    evidence = (
        Evidence(
            Confidence.HIGH,
            "the `* 100` value reaches a Stripe call whose currency is not a fixed two-decimal currency",
        ),
    )
    examples = (
        bad(
            """\
            export async function charge(order: Order) {
              return stripe.paymentIntents.create(
                { amount: Math.round(order.total * 100), currency: order.currency },
                { idempotencyKey: `order:${order.id}` },
              );
            }
            """,
            line=3,
            confidence=Confidence.HIGH,
        ),
        good(
            """\
            export async function charge(order: Order) {
              return stripe.paymentIntents.create(
                { amount: Math.round(order.total * 100), currency: "usd" },
                { idempotencyKey: `order:${order.id}` },
              );
            }
            const percent = Math.round((paidInvoices / totalInvoices) * 100);
            """
        ),
    )

    def visit_binary_expression(self, node: Node) -> None:
        operator = node.child_by_field_name("operator")
        if operator is None or operator.type != "*":
            return
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if number_value(right) == 100:
            operand = left
        elif number_value(left) == 100:
            operand = right
        else:
            return
        name = name_of(unwrap(operand))
        if not is_money(self.ctx, name) or "minor" in name.lower() or "cents" in name.lower():
            return
        sink = sink_of(self.ctx, node)
        if sink is None or "`" not in sink.label:
            return
        call = self._stripe_call_of(node)
        if call is None or not self._currency_varies(call):
            return
        self.report(node, f"`{one_line(node_text(node), 40)}` assumes two decimals; it reaches {sink.label}")

    def _stripe_call_of(self, node: Node) -> Node | None:
        parent = node.parent
        while parent is not None:
            if parent.type == "call_expression" and stripe_call(self.ctx, parent) is not None:
                return parent
            if parent.type in ("function_declaration", "method_definition", "arrow_function", "function_expression"):
                # The value may be bound first and used in the call below.
                for call in self.ctx.descendants(parent, "call_expression"):
                    found = stripe_call(self.ctx, call)
                    if found is not None and found.is_money_moving and call.start_byte > node.start_byte:
                        return call
                return None
            parent = parent.parent
        return None

    def _currency_varies(self, call: Node) -> bool:
        scope_text = node_text(call)
        if _CURRENCY_AWARE.search(scope_text):
            return False
        for arg in arguments(call):
            currency = object_members(arg).get("currency")
            if currency is None:
                continue
            literal = string_value(currency)
            return literal is None or literal.lower() in _NOT_TWO_DECIMALS
        return False
