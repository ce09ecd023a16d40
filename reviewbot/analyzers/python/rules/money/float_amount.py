"""RB101 float-amount: a monetary variable, parameter, return or field annotated as float."""

from __future__ import annotations

import libcst as cst

from reviewbot.analyzers.python.names import dotted_name, iter_descendants, string_value
from reviewbot.analyzers.python.rule import PythonRule
from reviewbot.analyzers.python.rules.money.reach import Reach, Tracer
from reviewbot.analyzers.python.rules.money.shapes import has_float_type
from reviewbot.analyzers.python.rules.money.values import is_money_name
from reviewbot.config import split_words
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Bad, Evidence, Family, Good


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
    evidence = (
        Evidence(
            Confidence.HIGH,
            "the float reaches money (a parameter passed on to a PSP call, an ORM write, a comparison with an "
            "amount; a function whose callers here do that), or it is declared next to a `currency` field or "
            "parameter: an amount paired with a currency is money whatever it is called",
        ),
        Evidence(
            Confidence.MEDIUM,
            "the name says money and nothing else is in sight, or the annotation also admits Decimal or int "
            "(`Decimal | float`), a convenience for callers",
        ),
        Evidence(Confidence.LOW, "the value is only serialised for display (a chart point, a JSON export)"),
    )
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
            confidence=Confidence.MEDIUM,
        ),
        Bad(
            """\
            def capture(payment_id: str, amount: float, currency: str) -> None:
                gateway.capture(payment_id, amount=amount, currency=currency)
            """,
            line=1,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """\
            from pydantic import BaseModel

            class CheckoutRequest(BaseModel):
                cart_id: str
                total: float | None = None
            """,
            line=5,
            confidence=Confidence.MEDIUM,
        ),
        Bad(
            """\
            class Invoice:
                def total_due(self) -> float:
                    return sum(line.price for line in self.lines)
            """,
            line=2,
            confidence=Confidence.MEDIUM,
        ),
        Bad(
            """\
            from typing import TypedDict

            ChargeBody = TypedDict("ChargeBody", {"amount": float, "currency": str})
            """,
            line=3,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """\
            def chart_point(day: str, revenue: float) -> str:
                return json.dumps({"day": day, "revenue": revenue})
            """,
            line=1,
            confidence=Confidence.LOW,
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

    def _check(self, name: str, annotation: cst.BaseExpression, what: str, node: cst.CSTNode, **where: object) -> None:
        if not (is_money_name(self.config, name) and has_float_type(annotation)):
            return
        reach = self._reach(name, node, **where)
        level = reach.level if reach is not None else Confidence.MEDIUM
        if level is Confidence.HIGH and _also_exact(annotation):
            # `Decimal | float | int`: a convenience for callers, the float is one accepted form among exact ones
            level = Confidence.MEDIUM
        self.report(annotation, f"{what} `{name}` is annotated as float{reach.clause() if reach else ''}", confidence=level)

    def _reach(self, name: str, node: cst.CSTNode, **where: object) -> Reach | None:
        tracer = Tracer(self.ctx)
        siblings = where.get("siblings")
        if isinstance(siblings, list | tuple) and any("currency" in split_words(str(s)) for s in siblings):
            return Reach(Confidence.HIGH, "it is declared next to a currency, so it is an amount")
        if isinstance(node, cst.Param | cst.AnnAssign) and where.get("local"):
            return tracer.reach_name(name, node)
        if isinstance(node, cst.FunctionDef):
            return tracer.reach_calls(node)
        return None

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        target = node.target
        name = target.value if isinstance(target, cst.Name) else None
        if isinstance(target, cst.Attribute):
            name = target.attr.value
        if name is None:
            return
        owner = self.ctx.parents[-3] if len(self.ctx.parents) >= 3 else None
        if isinstance(owner, cst.ClassDef):
            self._check(name, node.annotation.annotation, "money value", node, siblings=_class_fields(owner))
        else:
            self._check(name, node.annotation.annotation, "money value", node, local=True)

    def visit_Param(self, node: cst.Param) -> None:
        if node.annotation is not None:
            function = self.ctx.enclosing_function()
            siblings = [p.name.value for p in function.params.params] if function is not None else []
            self._check(node.name.value, node.annotation.annotation, "money parameter", node, siblings=siblings,
                        local=True)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.returns is not None:
            self._check(node.name.value, node.returns.annotation, "money-returning function", node)

    def visit_Call(self, node: cst.Call) -> None:
        """The functional forms: `TypedDict("T", {...})` and `NamedTuple("T", [(name, type)])`."""
        head = dotted_name(node.func)
        kind = head.rsplit(".", 1)[-1] if head else None
        if kind not in {"TypedDict", "NamedTuple"} or len(node.args) < 2:
            return
        fields = node.args[1].value
        pairs: list[tuple[str, cst.BaseExpression]] = []
        if isinstance(fields, cst.Dict):
            for element in fields.elements:
                if isinstance(element, cst.DictElement):
                    key = string_value(element.key)
                    if key is not None:
                        pairs.append((key, element.value))
        elif isinstance(fields, (cst.List, cst.Tuple)):
            for item in fields.elements:
                pair = item.value
                if isinstance(pair, cst.Tuple) and len(pair.elements) == 2:
                    key = string_value(pair.elements[0].value)
                    if key is not None:
                        pairs.append((key, pair.elements[1].value))
        names = [key for key, _ in pairs]
        for key, value in pairs:
            self._check(key, value, "money field", node, siblings=names)


def _also_exact(annotation: cst.BaseExpression) -> bool:
    """The annotation also admits Decimal or int (`Optional[Union[Decimal, float, int]]`)."""
    names = {
        (dotted_name(n) or "").rsplit(".", 1)[-1]
        for n in (annotation, *iter_descendants(annotation))
        if isinstance(n, cst.Name | cst.Attribute)
    }
    return bool(names & {"Decimal", "int"})


def _class_fields(cls: cst.ClassDef) -> list[str]:
    """The names a class body declares (`currency: str`, `currency = models.CharField()`)."""
    out: list[str] = []
    for stmt in cls.body.body if isinstance(cls.body, cst.IndentedBlock) else ():
        for small in stmt.body if isinstance(stmt, cst.SimpleStatementLine) else ():
            if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                out.append(small.target.value)
            elif isinstance(small, cst.Assign):
                out.extend(t.target.value for t in small.targets if isinstance(t.target, cst.Name))
    return out
