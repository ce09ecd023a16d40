"""RB105 decimal-from-float: a Decimal built from a binary float keeps the float's error."""

from __future__ import annotations

from decimal import Decimal

import libcst as cst

from reviewbot.analyzers.python.rule import PythonRule
from reviewbot.analyzers.python.rules.money.flow import Flow
from reviewbot.analyzers.python.rules.money.values import Num, is_decimal_constructor, positional_args
from reviewbot.core.findings import Severity
from reviewbot.core.rules import Bad, Family, Good


def is_exact_float_literal(node: cst.BaseExpression) -> bool:
    """A float literal whose binary value equals its decimal text, such as 0.0, 0.5 or 2.25."""
    if isinstance(node, cst.UnaryOperation):
        node = node.expression
    if not isinstance(node, cst.Float):
        return False
    text = node.value.replace("_", "")
    try:
        return Decimal(float(text)) == Decimal(text)
    except (ValueError, ArithmeticError):
        return False


class DecimalFromFloat(PythonRule):
    code = "RB105"
    name = "decimal-from-float"
    family = Family.MONEY
    severity = Severity.ERROR
    summary = "A Decimal is constructed from a float: a float literal, `float()`, a `/` result or `from_float`."
    rationale = (
        "`Decimal(0.1)` is Decimal('0.1000000000000000055511151231257827021181583404541015625'): "
        "the constructor keeps every bit of the float's binary error, so wrapping a float in "
        "Decimal looks safe in review and is not. `Decimal(amount_cents / 100)` has already lost "
        "exactness in the division, before Decimal sees it."
    )
    help = "Build Decimals from strings or integers: `Decimal(\"0.10\")`, `Decimal(amount_cents) / 100`."
    references = (
        "https://docs.python.org/3/library/decimal.html#decimal.Decimal",
        "https://docs.astral.sh/ruff/rules/decimal-from-float-literal/",
    )
    triggers = ("Decimal",)
    examples = (
        Bad(
            """\
            from decimal import Decimal

            PROCESSING_FEE = Decimal(0.30)
            """,
            line=3,
        ),
        Bad(
            """\
            from decimal import Decimal

            def parse_amount(payload: dict) -> Decimal:
                return Decimal(float(payload["amount"]))
            """,
            line=4,
        ),
        Bad(
            """\
            from decimal import Decimal

            def to_major(amount_cents: int) -> Decimal:
                return Decimal(amount_cents / 100)
            """,
            line=4,
        ),
        Bad(
            """\
            import decimal

            def ledger_amount(amount: float) -> decimal.Decimal:
                return decimal.Decimal.from_float(amount)
            """,
            line=4,
        ),
        Good(
            """\
            from decimal import Decimal

            PROCESSING_FEE = Decimal("0.30")

            def to_major(amount_cents: int) -> Decimal:
                return Decimal(amount_cents) / 100
            """
        ),
        Good(
            """\
            from decimal import Decimal

            def parse_amount(payload: dict) -> Decimal:
                return Decimal(str(payload["amount"]))
            """
        ),
        Good(
            """\
            from decimal import Decimal

            def line_total(price: Decimal, quantity: int) -> Decimal:
                return Decimal(quantity) * price
            """
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value == "from_float"
            and is_decimal_constructor(func.value, self.ctx.imports)
        ):
            self.report(node, f"`{Flow(self.ctx).text(node)}` builds a Decimal from a float")
            return
        if not is_decimal_constructor(func, self.ctx.imports):
            return
        args = positional_args(node)
        if len(args) != 1:
            return
        flow = Flow(self.ctx)
        if is_exact_float_literal(args[0]):
            return  # `Decimal(0.0)`, `Decimal(0.5)`: the binary value is the decimal one
        if flow.value(args[0]).num is Num.FLOAT:
            self.report(node, f"Decimal is built from float `{flow.text(args[0])}`")
