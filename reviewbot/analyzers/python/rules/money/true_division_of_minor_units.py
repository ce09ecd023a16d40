"""RB104 true-division-of-minor-units: `/` on integer money (cents, minor units) yields a float."""

from __future__ import annotations

import libcst as cst

from reviewbot.analyzers.python.rule import PythonRule
from reviewbot.analyzers.python.rules.money.flow import Flow
from reviewbot.analyzers.python.rules.money.reach import Tracer
from reviewbot.analyzers.python.rules.money.shapes import destination, is_inside_reporting_call
from reviewbot.analyzers.python.rules.money.values import Num, is_decimal_constructor
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Bad, Evidence, Family, Good


class TrueDivisionOfMinorUnits(PythonRule):
    code = "RB104"
    name = "true-division-of-minor-units"
    family = Family.MONEY
    severity = Severity.ERROR
    summary = "Integer money (cents, minor units) is divided with `/`, which returns a float."
    rationale = (
        "Integer minor units are exact until something divides them with `/`: `1999 / 100` is the "
        "float 19.99, and `total_cents / 3` spreads a fraction of a cent over three parts that "
        "no longer add up to the total. Splits, instalments and minor-to-major conversions are "
        "where payouts come out a cent short or long."
    )
    help = (
        "Use `divmod(amount_cents, parts)` or `//` and hand out the remainder, or convert with "
        "`Decimal(amount_cents) / 100`."
    )
    options = ("money-names", "extend-money-names", "non-money-words")
    references = ("https://docs.python.org/3/library/functions.html#divmod",)
    evidence = (
        Evidence(
            Confidence.HIGH,
            "the float quotient reaches money: truncated back to an integer amount (`int(...)`, `round(...)`), "
            "passed on to a PSP call or an ORM write, or compared with an amount",
        ),
        Evidence(Confidence.MEDIUM, "the quotient is returned or kept, and its use is out of sight"),
        Evidence(Confidence.LOW, "the quotient is only turned into text for display (`str(...)`, a template)"),
    )
    triggers = ("cents", "minor", "pence", "paise", "int(", ": int", "-> int", "[int]")
    examples = (
        Bad(
            """\
            def goodwill_refund(intent, percent: int) -> int:
                return int(intent.amount_captured * percent / 100)
            """,
            line=2,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """\
            def to_major_units(amount_cents: int) -> str:
                return str(amount_cents / 100)
            """,
            line=2,
            confidence=Confidence.LOW,
        ),
        Bad(
            """\
            def instalments(order, count):
                return [order.total_minor / count] * count
            """,
            line=2,
            confidence=Confidence.MEDIUM,
        ),
        Bad(
            """\
            def refund_half(payment):
                amount = int(payment.captured_amount)
                return refunds.create(payment.id, amount=amount / 2)
            """,
            line=3,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """\
            def payout_total(payouts):
                total_cents = sum(p.amount_cents for p in payouts)
                total_cents /= 100
                return total_cents
            """,
            line=3,
            confidence=Confidence.MEDIUM,
        ),
        Good(
            """\
            def instalments(total_minor: int, count: int) -> list[int]:
                base, remainder = divmod(total_minor, count)
                return [base + (1 if i < remainder else 0) for i in range(count)]
            """
        ),
        Good(
            """\
            from decimal import Decimal

            def to_major_units(amount_cents: int) -> Decimal:
                return Decimal(amount_cents) / 100
            """
        ),
        Good(
            """\
            def refund_half(payment):
                return refunds.create(payment.id, amount=payment.amount_minor // 2)
            """
        ),
        Good(
            """\
            def refund_share(refunded_cents: int, captured_cents: int, latency_ms: int) -> float:
                refund_ratio = refunded_cents / captured_cents
                latency_seconds = latency_ms / 1000
                return refund_ratio
            """
        ),
    )

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if not isinstance(node.operator, cst.Divide):
            return
        if self._is_decimal_argument(node):
            return  # `Decimal(cents / 100)`: RB105 reports the float reaching Decimal
        self._check(node, node.left, node.right)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.operator, cst.DivideAssign):
            self._check(node, node.target, node.value)

    def _check(self, node: cst.CSTNode, left: cst.BaseExpression, right: cst.BaseExpression) -> None:
        flow = Flow(self.ctx)
        dividend = flow.value(left)
        # `int(amount * pct / 100)` truncates a float back to an integer amount: whatever the
        # dividend's declared type, the result is integer money computed through a float.
        truncated = dividend.money and dividend.num is not Num.DECIMAL and self._is_truncated_to_int(node)
        if not dividend.money or (dividend.num is not Num.INT and not truncated):
            return
        divisor = flow.value(right)
        if divisor.money or divisor.num is Num.DECIMAL:
            return  # money / money is a ratio; a Decimal divisor keeps the result exact
        if isinstance(node, cst.BinaryOperation):
            target = destination(self.ctx, node, returns=False)
            if target is not None and flow.is_ratio_name(target):
                return
        if is_inside_reporting_call(self.ctx):
            return
        tracer = Tracer(self.ctx)
        if isinstance(node, cst.AugAssign):
            reach = tracer.reach_name(node.target.value, node) if isinstance(node.target, cst.Name) else None
        else:
            reach = tracer.reach(node)
        level = reach.level if reach is not None else Confidence.MEDIUM
        self.report(
            node,
            f"integer money `{flow.text(left)}` is divided with `/`, giving a float"
            + (reach.clause() if reach is not None else ""),
            confidence=level,
        )

    def _is_truncated_to_int(self, node: cst.CSTNode) -> bool:
        parents = self.ctx.parents
        if not isinstance(node, cst.BinaryOperation) or len(parents) < 2:
            return False
        arg, call = parents[-1], parents[-2]
        return (
            isinstance(arg, cst.Arg)
            and isinstance(call, cst.Call)
            and isinstance(call.func, cst.Name)
            and call.func.value in ("int", "round")
        )

    def _is_decimal_argument(self, node: cst.BinaryOperation) -> bool:
        parents = self.ctx.parents
        if len(parents) < 2:
            return False
        arg, call = parents[-1], parents[-2]
        return (
            isinstance(arg, cst.Arg)
            and isinstance(call, cst.Call)
            and is_decimal_constructor(call.func, self.ctx.imports)
        )
