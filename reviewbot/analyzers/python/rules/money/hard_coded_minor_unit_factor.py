"""RB118 hardcoded-minor-unit-factor-python: minor units computed with a fixed `* 100`, whatever the currency."""

from __future__ import annotations

import libcst as cst

from reviewbot.analyzers.python.names import call_chain, iter_descendants, literal_value
from reviewbot.analyzers.python.rule import PythonRule
from reviewbot.analyzers.python.rules.money.flow import Flow
from reviewbot.analyzers.python.rules.money.reach import Tracer
from reviewbot.analyzers.python.rules.money.values import (
    MINOR_UNIT_WORDS,
    is_decimal_constructor,
    positional_args,
)
from reviewbot.config import split_words
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Bad, Evidence, Family, Good

# Words of a name that looks the currency's exponent up (`exponent_of(currency)`, `CURRENCY_PLACES`,
# `ZERO_DECIMAL_CURRENCIES`): code that has them scales per currency even where it also writes 100.
EXPONENT_WORDS = frozenset({"exponent", "exponents", "places", "decimals", "precision"})
# Methods that turn a Decimal into a whole number of minor units.
_INTEGRAL_METHODS = frozenset({"to_integral_value", "to_integral", "to_integral_exact"})


class HardCodedMinorUnitFactor(PythonRule):
    code = "RB118"
    name = "hardcoded-minor-unit-factor-python"
    family = Family.MONEY
    severity = Severity.ERROR
    summary = "An amount is turned into minor units with a fixed `* 100` instead of the currency's exponent."
    rationale = (
        "Not every currency has cents. ISO 4217 gives JPY, KRW and CLP no minor unit and KWD, BHD and JOD "
        "three decimals, so `int(amount * 100)` charges a ¥1,000 order as ¥100,000 and a 10.125 KWD order as "
        "1012 fils instead of 10125. Stripe, Adyen and Checkout.com all take amounts in the currency's own "
        "minor unit, so the wrong factor reaches the card untouched. Code that only ever sees one currency "
        "works until the first merchant in Japan."
    )
    help = (
        "Scale by the currency's exponent: `int((amount * 10 ** exponent_of(currency)).to_integral_value())` "
        "with the exponents from ISO 4217 (or your PSP's list of zero-decimal currencies)."
    )
    options = ("money-names", "extend-money-names", "non-money-words")
    references = (
        "https://docs.stripe.com/currencies#zero-decimal",
        "https://www.iso.org/iso-4217-currency-codes.html",
    )
    triggers = ("100",)
    evidence = (
        Evidence(
            Confidence.HIGH,
            "the scaled amount reaches money (a PSP call, an ORM write), or the function handles a currency "
            "while scaling every currency by 100",
        ),
        Evidence(
            Confidence.MEDIUM,
            "a money value is scaled by 100 and made a whole number (`int(...)`, `round(...)`, "
            "`to_integral_value()`), with no currency in sight",
        ),
    )
    examples = (
        Bad(
            """\
            def create_intent(order):
                return stripe.PaymentIntent.create(
                    amount=int(order.total * 100), currency=order.currency, idempotency_key=f"order:{order.id}"
                )
            """,
            line=3,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """\
            from decimal import Decimal

            def to_minor_units(amount: Decimal, currency: str) -> int:
                return int((amount * 100).to_integral_value())
            """,
            line=4,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """\
            def price_in_cents(price):
                return round(price * 100)
            """,
            line=2,
            confidence=Confidence.MEDIUM,
        ),
        Good(
            """\
            from decimal import Decimal

            def to_minor_units(amount: Decimal, currency: str) -> int:
                return int((amount * 10 ** exponent_of(currency)).to_integral_value())
            """
        ),
        Good(
            """\
            def refund_share(refunded_total, captured_total):
                return round(refunded_total / captured_total * 100, 1)
            """
        ),
        Good(
            """\
            ZERO_DECIMAL_CURRENCIES = {"jpy", "krw", "clp"}

            def stripe_amount(amount, currency):
                if currency.lower() in ZERO_DECIMAL_CURRENCIES:
                    return int(amount)
                return int(amount * 100)
            """
        ),
        Good(
            """\
            def sepa_transfers(export):
                if export.currency != "EUR":
                    raise ValueError("SEPA transfers are in euro only")
                return [{"iban": row.iban, "amount": int(row.amount * 100)} for row in export.rows]
            """
        ),
        Good(
            """\
            def major_units(amount_minor: int) -> Decimal:
                return Decimal(amount_minor) / 100
            """
        ),
    )

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if not isinstance(node.operator, cst.Multiply):
            return
        if _is_hundred(node.right, self.ctx.imports):
            amount = node.left
        elif _is_hundred(node.left, self.ctx.imports):
            amount = node.right
        else:
            return
        flow = Flow(self.ctx)
        value = flow.value(amount)
        if not value.money or flow.is_ratio_expr(amount) or _names_minor_units(amount):
            return
        if self._scales_per_currency():
            return
        whole = self._made_whole(node)
        reach = Tracer(self.ctx).reach(whole if whole is not None else node)
        high = reach is not None and reach.level is Confidence.HIGH and reach.kind != "exact"
        if not (whole is not None or high):
            return
        text = flow.text(amount)
        if high and reach is not None:
            self.report(node, f"`{text}` is scaled to minor units by a fixed 100{reach.clause()}")
            return
        currency = self._currency_in_scope()
        if currency is not None:
            self.report(
                node,
                f"`{text}` is scaled to minor units by a fixed 100 while the code handles `{currency}`: "
                f"wrong for zero- and three-decimal currencies",
            )
            return
        self.report(node, f"`{text}` is scaled to minor units by a fixed 100", confidence=Confidence.MEDIUM)

    def _made_whole(self, node: cst.BinaryOperation) -> cst.CSTNode | None:
        """The `int(x * 100)`, `round(x * 100)` or `(x * 100).to_integral_value()` that makes it whole."""
        child: cst.CSTNode = node
        for parent in reversed(self.ctx.parents):
            if isinstance(parent, cst.Arg):
                child = parent
                continue
            if isinstance(parent, cst.Attribute) and parent.value is child:
                if parent.attr.value in _INTEGRAL_METHODS:
                    call = self._parent_of(parent)
                    return call if isinstance(call, cst.Call) else None
                return None
            if isinstance(parent, cst.Call) and child is not parent.func:
                name = call_chain(parent.func) or ""
                if name == "int" or (name == "round" and len(positional_args(parent)) == 1):
                    return parent
                if is_decimal_constructor(parent.func, self.ctx.imports):
                    child = parent
                    continue
            return None
        return None

    def _parent_of(self, node: cst.CSTNode) -> cst.CSTNode | None:
        parents = self.ctx.parents
        for index, parent in enumerate(parents):
            if parent is node:
                return parents[index - 1] if index > 0 else None
        return None

    def _scales_per_currency(self) -> bool:
        function = self.ctx.enclosing_function()
        scope: cst.CSTNode = function if function is not None else self.ctx.module
        for sub in iter_descendants(scope):
            if isinstance(sub, cst.Comparison) and _pins_currency(sub):
                return True  # `if export.currency != "EUR": raise ...`: the code only ever sees that currency
            if not isinstance(sub, cst.Name):
                continue
            words = set(split_words(sub.value))
            if EXPONENT_WORDS & words or {"zero", "decimal"} <= words:
                return True
        return False

    def _currency_in_scope(self) -> str | None:
        function = self.ctx.enclosing_function()
        if function is None:
            return None
        for sub in iter_descendants(function):
            if isinstance(sub, cst.Name) and "currency" in split_words(sub.value):
                return sub.value
        return None


def _is_hundred(node: cst.BaseExpression, imports: dict[str, str]) -> bool:
    """`100`, `100.0`, `10 ** 2`, `Decimal(100)`, `Decimal("100")`."""
    if isinstance(node, cst.Integer | cst.Float):
        try:
            return float(node.value.replace("_", "")) == 100
        except ValueError:
            return False
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Power):
        return (
            isinstance(node.left, cst.Integer) and node.left.value == "10"
            and isinstance(node.right, cst.Integer) and node.right.value == "2"
        )
    if isinstance(node, cst.Call) and is_decimal_constructor(node.func, imports) and len(node.args) == 1:
        arg = node.args[0].value
        if isinstance(arg, cst.SimpleString):
            return literal_value(arg) in ("100", "100.0", "1E+2", "1e2")
        return _is_hundred(arg, imports)
    return False


def _pins_currency(comparison: cst.Comparison) -> bool:
    """`currency != "EUR"`, `order.currency == "usd"`, `currency in ("EUR", "USD")`."""
    operands = [comparison.left, *(t.comparator for t in comparison.comparisons)]
    named = any("currency" in split_words(call_chain(o) or "") for o in operands)
    codes = any(_is_currency_code(o) for o in operands)
    return named and codes


def _is_currency_code(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.SimpleString):
        value = literal_value(node)
        return isinstance(value, str) and len(value) == 3 and value.isalpha()
    if isinstance(node, cst.Tuple | cst.List | cst.Set):
        return bool(node.elements) and all(_is_currency_code(e.value) for e in node.elements)
    return False


def _names_minor_units(node: cst.BaseExpression) -> bool:
    name = node.value if isinstance(node, cst.Name) else node.attr.value if isinstance(node, cst.Attribute) else ""
    return bool(MINOR_UNIT_WORDS & set(split_words(name)))


