"""RB105 decimal-from-float: a Decimal built from a binary float keeps the float's error."""

from __future__ import annotations

from fractions import Fraction

import libcst as cst

from reviewbot.analyzers.python.rule import PythonRule
from reviewbot.analyzers.python.rules.money.flow import Flow
from reviewbot.analyzers.python.rules.money.values import Num, is_decimal_constructor, positional_args
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Bad, Evidence, Family, Good


def is_exact_float_literal(node: cst.BaseExpression) -> bool:
    """A float literal whose binary value equals its decimal text, such as 0.0, 0.5 or 2.25."""
    if isinstance(node, cst.UnaryOperation):
        node = node.expression
    if not isinstance(node, cst.Float):
        return False
    text = node.value.replace("_", "")
    try:
        # Exact rationals on both sides: the float's binary value against the literal's decimal text.
        return Fraction(float(text)) == Fraction(text)
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
    evidence = (
        Evidence(
            Confidence.HIGH,
            "the float is certainly inexact: a literal whose binary value differs from its digits (`0.30`), a "
            "`float(...)` conversion or a `/` quotient; the Decimal, the type kept for exact amounts, freezes the "
            "error into every later sum",
        ),
        Evidence(
            Confidence.MEDIUM,
            "the value is a float only by its annotation or assignment (`amount: float`, `Decimal.from_float(x)`)",
        ),
    )
    examples = (
        Bad(
            """\
            from decimal import Decimal

            PROCESSING_FEE = Decimal(0.30)
            """,
            line=3,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """\
            from decimal import Decimal

            def parse_amount(payload: dict) -> Decimal:
                return Decimal(float(payload["amount"]))
            """,
            line=4,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """\
            from decimal import Decimal

            def to_major(amount_cents: int) -> Decimal:
                return Decimal(amount_cents / 100)
            """,
            line=4,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """\
            import decimal

            def ledger_amount(amount: float) -> decimal.Decimal:
                return decimal.Decimal.from_float(amount)
            """,
            line=4,
            confidence=Confidence.MEDIUM,
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
            args = positional_args(node)
            level = Confidence.HIGH if args and _is_certainly_inexact(args[0]) else Confidence.MEDIUM
            self.report(node, f"`{Flow(self.ctx).text(node)}` builds a Decimal from a float", confidence=level)
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
            if _is_certainly_inexact(args[0]):
                self.report(
                    node,
                    f"Decimal is built from float `{flow.text(args[0])}`, whose binary value is not its decimal one",
                    confidence=Confidence.HIGH,
                )
            else:
                self.report(node, f"Decimal is built from float `{flow.text(args[0])}`", confidence=Confidence.MEDIUM)


def _is_certainly_inexact(node: cst.BaseExpression) -> bool:
    """`0.30`, `float(text)`, `cents / 100`: a float whose value is not the decimal the code means."""
    if isinstance(node, cst.Float) or (isinstance(node, cst.UnaryOperation) and isinstance(node.expression, cst.Float)):
        return not is_exact_float_literal(node)
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "float":
        return True
    return isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Divide)
