"""RB106 round-on-float-amount: `round(x, n)` on a monetary value that is not a Decimal."""

from __future__ import annotations

import libcst as cst

from reviewbot.analyzers.python.rule import PythonRule
from reviewbot.analyzers.python.rules.money.flow import Flow
from reviewbot.analyzers.python.rules.money.reach import Tracer
from reviewbot.analyzers.python.rules.money.shapes import (
    destination,
    is_inside_reporting_call,
    is_money_destination,
)
from reviewbot.analyzers.python.rules.money.values import Num, positional_args
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Bad, Evidence, Family, Good


def _is_float_call(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "float"


class RoundOnFloatAmount(PythonRule):
    code = "RB106"
    name = "round-on-float-amount"
    family = Family.MONEY
    severity = Severity.ERROR
    summary = "`round(amount, n)` rounds a monetary value held as a float."
    rationale = (
        "`round()` on a float rounds the binary value, not the decimal one you see: "
        "`round(2.675, 2)` is 2.67 and `round(0.125, 2)` is 0.12. Rounding a float amount to cents "
        "therefore moves a cent in a direction no accounting rule allows, and it hides the float "
        "instead of removing it. A Decimal rounded with `quantize` and an explicit rounding mode "
        "is exact and says which way the half cent goes."
    )
    help = 'Use `amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)` on a Decimal, or integer minor units.'
    options = ("money-names", "extend-money-names", "non-money-words")
    references = ("https://docs.python.org/3/library/functions.html#round",)
    triggers = ("round(",)
    evidence = (
        Evidence(
            Confidence.HIGH,
            "the rounded float reaches money: a PSP call, an ORM write, a comparison with an amount",
        ),
        Evidence(Confidence.MEDIUM, "the rounded value is money by name, and its use is out of sight"),
        Evidence(
            Confidence.LOW,
            "the rounded value is only serialised for display (a chart, a JSON or CSV export) while the sums "
            "behind it stay exact",
        ),
    )
    examples = (
        Bad(
            """\
            def invoice_total(subtotal, tax):
                return round(subtotal + tax, 2)
            """,
            line=2,
            confidence=Confidence.MEDIUM,
        ),
        Bad(
            """\
            def apply_discount(price, discount_pct):
                discounted = price * (1 - discount_pct / 100)
                return round(discounted, 2)
            """,
            line=3,
            confidence=Confidence.MEDIUM,
        ),
        Bad(
            """\
            def payout_body(payout):
                return {"amount": round(payout.gross - payout.fees, 2), "currency": payout.currency}
            """,
            line=2,
            confidence=Confidence.MEDIUM,
        ),
        Bad(
            """\
            def goodwill_refund(payment):
                gateway.refund(payment.psp_reference, amount=round(payment.captured_total * 0.15, 2))
            """,
            line=2,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """\
            def revenue_point(day, orders):
                revenue = sum(o.total for o in orders)
                return json.dumps({"day": day.isoformat(), "revenue": round(revenue, 2)})
            """,
            line=3,
            confidence=Confidence.LOW,
        ),
        Good(
            """\
            from decimal import ROUND_HALF_UP, Decimal

            def invoice_total(subtotal: Decimal, tax: Decimal) -> Decimal:
                return (subtotal + tax).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            """
        ),
        Good(
            """\
            def report_row(order, refunded_total):
                refund_pct = round(refunded_total / order.total * 100, 1)
                success_rate = round(order.succeeded / order.attempts, 3)
                return refund_pct, success_rate
            """
        ),
        Good(
            """\
            from decimal import Decimal

            def tax_for(net: Decimal, tax_rate: Decimal) -> Decimal:
                tax = Decimal(net) * tax_rate
                return round(tax, 2)
            """
        ),
        Good(
            """\
            def to_minor_units(amount_cents: int, latency_ms: float) -> int:
                log_latency(round(latency_ms, 1))
                return round(amount_cents, -2)
            """
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Name) or func.value != "round" or "round" in self.ctx.imports:
            return
        args = positional_args(node)
        has_digits = len(args) == 2 or any(a.keyword is not None for a in node.args)
        if not args or not has_digits:
            return
        flow = Flow(self.ctx)
        value = flow.value(args[0])
        if value.num in (Num.DECIMAL, Num.INT) or flow.is_ratio_expr(args[0]):
            return
        if _is_float_call(args[0]):
            return  # `round(float(amount), 2)`: RB102 reports the conversion itself
        ratio_target = destination(self.ctx, node, returns=False)
        if ratio_target is not None and flow.is_ratio_name(ratio_target):
            return
        target = destination(self.ctx, node)
        if is_inside_reporting_call(self.ctx):
            return
        if value.money or is_money_destination(self.ctx, target):
            reach = Tracer(self.ctx).reach(node)
            level = reach.level if reach is not None else Confidence.MEDIUM
            self.report(
                node,
                f"`{flow.text(node)}` rounds money value `{flow.text(args[0])}` as a float"
                + (reach.clause() if reach is not None else ""),
                confidence=level,
            )
