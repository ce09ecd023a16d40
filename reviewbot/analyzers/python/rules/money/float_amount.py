"""RB101 float-amount: a monetary variable, parameter, return or field annotated as float."""

from __future__ import annotations

import libcst as cst

from reviewbot.analyzers.python.names import dotted_name, string_value
from reviewbot.analyzers.python.rule import PythonRule
from reviewbot.analyzers.python.rules.money.shapes import has_float_type
from reviewbot.core.findings import Severity
from reviewbot.core.rules import Bad, Family, Good


class FloatAmount(PythonRule):
    code = "RB101"
    name = "float-amount"
    family = Family.MONEY
    severity = Severity.ERROR
    summary = "A monetary variable, parameter, return value or field is annotated as float."
    rationale = (
        "A binary float cannot hold most decimal fractions: 0.1 + 0.2 is 0.30000000000000004. "
        "An amount typed as float drifts by fractions of a cent through sums, splits and "
        "conversions, and the drift becomes a cent charged twice or refunded short once it is "
        "rounded at capture or refund time. The annotation is where the float enters: every "
        "caller, serializer and ORM mapping follows it."
    )
    help = "Annotate amounts as int minor units (`amount_cents: int`) or `Decimal`."
    options = ("money-names", "extend-money-names", "non-money-words")
    references = ("https://docs.python.org/3/tutorial/floatingpoint.html",)
    triggers = ("float", "Float")
    examples = (
        Bad(
            """\
            from dataclasses import dataclass

            @dataclass(frozen=True)
            class Refund:
                payment_id: str
                amount: float
            """,
            line=6,
        ),
        Bad(
            """\
            def capture(payment_id: str, amount: float, currency: str) -> None:
                gateway.capture(payment_id, amount=amount, currency=currency)
            """,
            line=1,
        ),
        Bad(
            """\
            from pydantic import BaseModel

            class CheckoutRequest(BaseModel):
                cart_id: str
                total: float | None = None
            """,
            line=5,
        ),
        Bad(
            """\
            class Invoice:
                def total_due(self) -> float:
                    return sum(line.price for line in self.lines)
            """,
            line=2,
        ),
        Bad(
            """\
            from typing import TypedDict

            ChargeBody = TypedDict("ChargeBody", {"amount": float, "currency": str})
            """,
            line=3,
        ),
        Good(
            """\
            from dataclasses import dataclass
            from decimal import Decimal

            @dataclass(frozen=True)
            class Refund:
                payment_id: str
                amount: Decimal
                amount_cents: int
            """
        ),
        Good(
            """\
            from pydantic import BaseModel

            class PricingPlan(BaseModel):
                fee_rate: float
                tax_pct: float
                discount_ratio: float = 0.0
            """
        ),
        Good(
            """\
            def record_latency(payment_id: str, latency_ms: float, success_rate: float) -> None:
                metrics.observe("psp.latency", latency_ms)
            """
        ),
        Good(
            """\
            def fx_rate(source: str, target: str) -> float:
                return rates.lookup(source, target)
            """
        ),
    )

    def _check(self, name: str, annotation: cst.BaseExpression, what: str) -> None:
        if self.config.is_money_name(name) and has_float_type(annotation):
            self.report(annotation, f"{what} `{name}` is annotated as float")

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        target = node.target
        name = target.value if isinstance(target, cst.Name) else None
        if isinstance(target, cst.Attribute):
            name = target.attr.value
        if name is not None:
            self._check(name, node.annotation.annotation, "money value")

    def visit_Param(self, node: cst.Param) -> None:
        if node.annotation is not None:
            self._check(node.name.value, node.annotation.annotation, "money parameter")

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.returns is not None:
            self._check(node.name.value, node.returns.annotation, "money-returning function")

    def visit_Call(self, node: cst.Call) -> None:
        """The functional forms: `TypedDict("T", {...})` and `NamedTuple("T", [(name, type)])`."""
        head = dotted_name(node.func)
        kind = head.rsplit(".", 1)[-1] if head else None
        if kind not in {"TypedDict", "NamedTuple"} or len(node.args) < 2:
            return
        fields = node.args[1].value
        if isinstance(fields, cst.Dict):
            for element in fields.elements:
                if isinstance(element, cst.DictElement):
                    key = string_value(element.key)
                    if key is not None:
                        self._check(key, element.value, "money field")
        elif isinstance(fields, (cst.List, cst.Tuple)):
            for item in fields.elements:
                pair = item.value
                if isinstance(pair, cst.Tuple) and len(pair.elements) == 2:
                    key = string_value(pair.elements[0].value)
                    if key is not None:
                        self._check(key, pair.elements[1].value, "money field")
