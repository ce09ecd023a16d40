"""RB102 float-conversion-of-amount: `float()` applied to a monetary value, or producing one."""

from __future__ import annotations

import libcst as cst

from reviewbot.analyzers.python.names import string_value
from reviewbot.analyzers.python.rule import PythonRule
from reviewbot.analyzers.python.rules.money.flow import Flow
from reviewbot.analyzers.python.rules.money.reach import Tracer
from reviewbot.analyzers.python.rules.money.shapes import (
    destination,
    is_inside_reporting_call,
    is_money_destination,
)
from reviewbot.analyzers.python.rules.money.values import positional_args
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Bad, Evidence, Family, Good

_SPECIAL_FLOATS = frozenset({"inf", "+inf", "-inf", "infinity", "-infinity", "nan"})


def _is_special_float(node: cst.BaseExpression) -> bool:
    """`float("inf")`, `float("nan")`: sentinels for "no limit", never an amount."""
    text = string_value(node)
    return text is not None and text.strip().lower() in _SPECIAL_FLOATS


class FloatConversionOfAmount(PythonRule):
    code = "RB102"
    name = "float-conversion-of-amount"
    family = Family.MONEY
    severity = Severity.ERROR
    summary = "`float()` converts a monetary value to a binary float, or parses one into an amount."
    rationale = (
        "`float()` throws away the exactness a Decimal or an integer amount had: "
        "`int(float('19.99') * 100)` is 1998, one cent short. Parsing request input or a PSP "
        "payload with `float()` puts that error into every later sum, split and refund, and "
        "sending `float(total)` in a JSON body hands the PSP a number it may round differently."
    )
    help = "Parse with `Decimal(text)` or keep integer minor units; convert at the edge with `str(amount)`."
    options = ("money-names", "extend-money-names", "non-money-words")
    references = ("https://docs.python.org/3/library/decimal.html",)
    triggers = ("float(",)
    evidence = (
        Evidence(
            Confidence.HIGH,
            "the float reaches money: a PSP call, a column written by the ORM, a comparison with an amount, or "
            "an exact amount again (`int(...)`, `Decimal(...)`, a `*_decimal` helper), followed through local "
            "variables and through the callers of the function in this module",
        ),
        Evidence(
            Confidence.MEDIUM,
            "the value's name (or what it was assigned from) says money, and the rule cannot see where it goes",
        ),
        Evidence(
            Confidence.LOW,
            "the float is only serialised for display: `json.dumps`, a template, a CSV row, a formatted string",
        ),
    )
    examples = (
        Bad(
            """\
            def create_refund(request):
                amount = float(request.POST["amount"])
                return refunds.create(payment_id=request.POST["payment_id"], amount=amount)
            """,
            line=2,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """\
            def checkout_payload(order):
                return {"currency": order.currency, "total": float(order.total)}
            """,
            line=2,
            confidence=Confidence.MEDIUM,
        ),
        Bad(
            """\
            def split_payout(payout, parts):
                per_part = float(payout.amount) / parts
                return [per_part] * parts
            """,
            line=2,
            confidence=Confidence.MEDIUM,
        ),
        Bad(
            """\
            def charge_row(row):
                gateway.charge(customer=row["customer"], price=float(row["unit_price"]))
            """,
            line=2,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """\
            def revenue_chart(days):
                points = []
                for day in days:
                    points.append({"date": day.date.isoformat(), "revenue": float(day.revenue)})
                return json.dumps(points)
            """,
            line=4,
            confidence=Confidence.LOW,
        ),
        Good(
            """\
            from decimal import Decimal

            def create_refund(request):
                amount = Decimal(request.POST["amount"])
                return refunds.create(payment_id=request.POST["payment_id"], amount=amount)
            """
        ),
        Good(
            """\
            def refund_ratio(order):
                refund_ratio = float(order.refunded_total) / float(order.total)
                return refund_ratio
            """
        ),
        Good(
            """\
            def record(order, started, finished):
                latency_ms = float(finished - started) * 1000
                metrics.gauge("checkout.total", float(order.total))
                logger.info("order %s total %s", order.id, float(order.total))
                return latency_ms
            """
        ),
        Good(
            """\
            def settings(env):
                fee_rate = float(env["STRIPE_FEE_RATE"])
                timeout = float(env.get("PSP_TIMEOUT", "10"))
                return fee_rate, timeout
            """
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Name) or func.value != "float" or "float" in self.ctx.imports:
            return
        args = positional_args(node)
        if len(args) != 1 or _is_special_float(args[0]):
            return
        if self._is_ratio_destination(node):
            return
        if is_inside_reporting_call(self.ctx):
            return
        flow = Flow(self.ctx)
        arg = args[0]
        target = destination(self.ctx, node)
        if flow.value(arg).money:
            if not self._is_ratio_operand(flow, node):
                self._report(node, f"money value `{flow.text(arg)}` is converted to float")
        elif is_money_destination(self.ctx, target) and not flow.is_ratio_expr(arg):
            self._report(node, f"`{flow.text(node)}` produces money value `{target}` as a float")

    def _report(self, node: cst.Call, message: str) -> None:
        reach = Tracer(self.ctx).reach(node)
        level = reach.level if reach is not None else Confidence.MEDIUM
        self.report(node, message + (reach.clause() if reach is not None else ""), confidence=level)

    def _is_ratio_destination(self, node: cst.Call) -> bool:
        target = destination(self.ctx, node, returns=False)
        return target is not None and Flow(self.ctx).is_ratio_name(target)

    def _is_ratio_operand(self, flow: Flow, node: cst.Call) -> bool:
        """`float(refunded) / float(total)`: money divided by money is a ratio, not an amount."""
        parent = self.ctx.parent
        return (
            isinstance(parent, cst.BinaryOperation)
            and isinstance(parent.operator, cst.Divide)
            and flow.value(parent.left).money
            and flow.value(parent.right).money
        )
