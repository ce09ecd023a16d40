"""RB109 float-formatted-amount: a float amount formatted to a fixed number of decimals."""

from __future__ import annotations

import re
import string

import libcst as cst

from reviewbot.analyzers.python.names import string_value
from reviewbot.analyzers.python.rule import PythonRule
from reviewbot.analyzers.python.rules.money.flow import Flow
from reviewbot.analyzers.python.rules.money.reach import Tracer
from reviewbot.analyzers.python.rules.money.values import Num, positional_args
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Bad, Evidence, Family, Good

# printf-style conversions (https://docs.python.org/3/library/stdtypes.html#printf-style-string-formatting)
_PRINTF = re.compile(r"%(?:\((?P<key>[^)]*)\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<type>[a-zA-Z%])")


def is_fixed_point_spec(spec: str) -> bool:
    """`.2f`, `,.2f`, `>10.2f`, `F`: a format spec whose presentation type is fixed-point."""
    return spec.endswith(("f", "F")) and not spec.endswith(("<f", ">f", "^f", "=f"))


class FloatFormattedAmount(PythonRule):
    code = "RB109"
    name = "float-formatted-amount"
    family = Family.MONEY
    severity = Severity.WARNING
    summary = "A float amount is formatted with a fixed number of decimals (`.2f`, `%.2f`, `format(x, '.2f')`)."
    rationale = (
        "PSPs that take decimal strings (Mollie `{\"value\": \"10.00\"}`, PayPal, Braintree) and every "
        "receipt or invoice get the amount through formatting. `.2f` rounds the binary float, not "
        "the decimal value: `f\"{2.675:.2f}\"` is '2.67' and `f\"{0.125:.2f}\"` is '0.12', so the string "
        "sent to the PSP or printed on the invoice differs by a cent from the ledger."
    )
    help = "Format a Decimal quantized to the currency's exponent, or integer minor units with divmod."
    options = ("money-names", "extend-money-names", "non-money-words")
    references = ("https://docs.python.org/3/library/string.html#format-specification-mini-language",)
    evidence = (
        Evidence(
            Confidence.HIGH,
            "the formatted string reaches money: a PSP call that takes decimal strings (Mollie `value`, "
            "Braintree `amount`), or a stored record",
        ),
        Evidence(Confidence.MEDIUM, "the formatted amount is returned or kept, its use out of sight"),
        Evidence(Confidence.LOW, "the string only goes to a template, a log line or a display export"),
    )
    triggers = ("0f", "1f", "2f", "3f", "4f", "5f", "6f", "%f", ":f")
    examples = (
        Bad(
            """\
            def describe_charge(intent_id: str, amount: int) -> dict[str, str]:
                return {"intent": intent_id, "display_amount": f"{amount:.2f}"}
            """,
            line=2,
            confidence=Confidence.MEDIUM,
        ),
        Bad(
            """\
            def mollie_amount(payment) -> dict:
                return {"currency": payment.currency, "value": f"{payment.amount / 100:.2f}"}
            """,
            line=2,
            confidence=Confidence.MEDIUM,
        ),
        Bad(
            """\
            def paypal_total(order):
                total = float(order.subtotal) * 1.2
                return {"currency_code": "EUR", "value": "%.2f" % total}
            """,
            line=3,
            confidence=Confidence.MEDIUM,
        ),
        Bad(
            """\
            def receipt_line(item, quantity: int):
                price = float(item.price)
                return "{} x {:.2f}".format(quantity, price * quantity)
            """,
            line=3,
            confidence=Confidence.MEDIUM,
        ),
        Bad(
            """\
            def braintree_sale(amount: float):
                return gateway.transaction.sale({"amount": format(amount, ".2f")})
            """,
            line=2,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """\
            def receipt(request, order):
                total = float(order.total)
                return render(request, "receipt.html", {"total": f"{total:.2f}"})
            """,
            line=3,
            confidence=Confidence.LOW,
        ),
        Good(
            """\
            from decimal import Decimal

            def mollie_amount(amount_cents: int, currency: str) -> dict:
                value = Decimal(amount_cents) / 100
                return {"currency": currency, "value": f"{value:.2f}"}
            """
        ),
        Good(
            """\
            def dashboard(stats):
                success_rate = stats.succeeded / stats.attempts
                latency = stats.total_ms / stats.calls
                return f"{success_rate:.2%} ok, p50 {latency:.1f} ms, rate {stats.fx_rate:.4f}"
            """
        ),
        Good(
            """\
            from decimal import ROUND_HALF_UP, Decimal

            def paypal_total(order):
                total = Decimal(order.subtotal).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
                return {"currency_code": "EUR", "value": "%.2f" % total}
            """
        ),
        Good(
            """\
            def major_units(amount_cents: int) -> str:
                units, cents = divmod(amount_cents, 100)
                return f"{units}.{cents:02d}"
            """
        ),
    )

    def visit_FormattedStringExpression(self, node: cst.FormattedStringExpression) -> None:
        spec = node.format_spec
        if not spec or not isinstance(spec[-1], cst.FormattedStringText):
            return
        if is_fixed_point_spec(spec[-1].value):
            self._check(node.expression, spec[-1].value, self.ctx.parent or node)

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if not isinstance(node.operator, cst.Modulo):
            return
        template = string_value(node.left)
        if template is None or "%" not in template:
            return
        right = node.right
        values = [e.value for e in right.elements] if isinstance(right, cst.Tuple) else [right]
        position = 0
        for match in _PRINTF.finditer(template):
            kind = match.group("type")
            if kind == "%":
                continue
            if match.group("key") is not None:
                return  # mapping-style `%(amount).2f` with a dict: not followed
            if kind in "fF" and position < len(values):
                self._check(values[position], match.group(0)[1:], node)
            position += 1

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        args = positional_args(node)
        if isinstance(func, cst.Name) and func.value == "format" and "format" not in self.ctx.imports:
            spec = string_value(args[1]) if len(args) == 2 else None
            if spec is not None and is_fixed_point_spec(spec):
                self._check(args[0], spec, node)
        elif isinstance(func, cst.Attribute) and func.attr.value == "format":
            template = string_value(func.value)
            if template is not None:
                self._str_format(node, template, args)

    def _str_format(self, node: cst.Call, template: str, args: list[cst.BaseExpression]) -> None:
        keywords = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
        auto = 0
        try:
            fields = list(string.Formatter().parse(template))
        except ValueError:
            return
        for _literal, field_name, spec, _conversion in fields:
            if field_name is None:
                continue
            head = re.split(r"[.\[]", field_name, maxsplit=1)[0]
            target: cst.BaseExpression | None
            if head == "":
                target = args[auto] if auto < len(args) else None
                auto += 1
            elif head.isdigit():
                target = args[int(head)] if int(head) < len(args) else None
            else:
                target = keywords.get(head)
            if target is not None and spec and head == field_name and is_fixed_point_spec(spec):
                self._check(target, spec, node)

    def _check(self, expr: cst.BaseExpression, spec: str, formatting: cst.CSTNode) -> None:
        flow = Flow(self.ctx)
        value = flow.value(expr)
        if not value.money or value.num is Num.DECIMAL:
            return
        if self._is_minor_units_division(flow, expr):
            return  # RB104 reports the division itself
        if value.num is Num.FLOAT or self._is_plain_division(flow, expr):
            message = f"float money value `{flow.text(expr)}` is formatted with `{spec}`"
        elif value.num is Num.INT:
            # An int amount is in minor units: `.2f` turns 1999 cents into "1999.00" via a float.
            message = f"integer money value `{flow.text(expr)}` is formatted as a float with `{spec}`"
        else:
            return
        reach = Tracer(self.ctx).reach(formatting)
        if reach is not None and reach.why == "it is only formatted into text":
            reach = None  # the format itself, not where the string goes
        level = reach.level if reach is not None else Confidence.MEDIUM
        self.report(expr, message + (reach.clause() if reach is not None else ""), confidence=level)

    @staticmethod
    def _is_minor_units_division(flow: Flow, expr: cst.BaseExpression) -> bool:
        if not isinstance(expr, cst.BinaryOperation) or not isinstance(expr.operator, cst.Divide):
            return False
        left = flow.value(expr.left)
        return left.money and left.num is Num.INT

    @staticmethod
    def _is_plain_division(flow: Flow, expr: cst.BaseExpression) -> bool:
        """`amount / 100` with neither side known to be a Decimal is float arithmetic."""
        return (
            isinstance(expr, cst.BinaryOperation)
            and isinstance(expr.operator, cst.Divide)
            and flow.value(expr.left).num is not Num.DECIMAL
            and flow.value(expr.right).num is not Num.DECIMAL
        )
