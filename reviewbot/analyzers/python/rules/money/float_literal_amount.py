"""RB103 float-literal-amount: a float literal assigned, defaulted, compared or added to money."""

from __future__ import annotations

import libcst as cst

from reviewbot.analyzers.python.names import string_value, target_name
from reviewbot.analyzers.python.rule import PythonRule
from reviewbot.analyzers.python.rules.money.flow import Flow
from reviewbot.analyzers.python.rules.money.reach import Tracer
from reviewbot.analyzers.python.rules.money.shapes import (
    destination,
    has_float_type,
    is_inside_reporting_call,
)
from reviewbot.analyzers.python.rules.money.values import Num, is_money_name
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Bad, Evidence, Family, Good

_ARITHMETIC = (cst.Add, cst.Subtract, cst.Multiply, cst.Divide)


class FloatLiteralAmount(PythonRule):
    code = "RB103"
    name = "float-literal-amount"
    family = Family.MONEY
    severity = Severity.ERROR
    summary = "A float literal is assigned, defaulted, passed, compared or added to a monetary value."
    rationale = (
        "`19.99` is stored as 19.989999999999998436805981327779591083526611328125. A float literal "
        "in an amount makes the whole computation float: `total = 0.0` turns every later sum into "
        "float arithmetic, `amount * 1.2` drifts by fractions of a cent, and `Decimal('0.10') == 0.1` "
        "is False, so a comparison against a float literal silently takes the wrong branch."
    )
    help = "Write amounts as integer minor units (`1999`) or `Decimal(\"19.99\")`."
    options = ("money-names", "extend-money-names", "non-money-words")
    references = ("https://docs.python.org/3/tutorial/floatingpoint.html",)
    evidence = (
        Evidence(
            Confidence.HIGH,
            "the literal is compared with an amount, passed on to a PSP call, or takes part in arithmetic whose "
            "result reaches money; or it is a module-level money constant in a module that keeps other amounts "
            "exact (int minor units, Decimal)",
        ),
        Evidence(Confidence.MEDIUM, "the literal lands in a money-named value whose use the rule cannot see"),
        Evidence(
            Confidence.LOW,
            "the literal is only stored as written (an ORM column keeps its digits) or serialised for display",
        ),
    )
    triggers = (".0", ".1", ".2", ".3", ".4", ".5", ".6", ".7", ".8", ".9", "e-")
    examples = (
        Bad(
            """\
            def order_total(lines):
                total = 0.0
                for line in lines:
                    total += line.price * line.quantity
                return total
            """,
            line=2,
            confidence=Confidence.MEDIUM,
        ),
        Bad(
            """\
            def charge_subscription(customer, amount=9.99):
                return gateway.charge(customer, amount=amount)
            """,
            line=1,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """\
            def needs_review(payment):
                return payment.amount > 10000.00
            """,
            line=2,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """\
            def gross_up(subtotal):
                return subtotal * 1.19
            """,
            line=2,
            confidence=Confidence.MEDIUM,
        ),
        Bad(
            """\
            def tip_payload(order_id):
                return {"order_id": order_id, "tip": 2.50}
            """,
            line=2,
            confidence=Confidence.MEDIUM,
        ),
        Bad(
            """\
            def preview_product(event):
                return event.products.create(name="Sample product", price=42.23)
            """,
            line=2,
            confidence=Confidence.LOW,
        ),
        Good(
            """\
            from decimal import Decimal

            def order_total(lines):
                total = Decimal("0.00")
                for line in lines:
                    total += line.price * line.quantity
                return total
            """
        ),
        Good(
            """\
            def charge_subscription(customer, amount_cents=999):
                return gateway.charge(customer, amount=amount_cents)
            """
        ),
        Good(
            """\
            FEE_RATE = 0.029
            TAX_PCT = 19.0
            PSP_TIMEOUT_SECONDS = 10.0

            def is_refundable(payment):
                return payment.amount > 0.0 and payment.risk_score < 0.8
            """
        ),
        Good(
            """\
            def fee_rate_for(volume):
                fee_rate = 0.029 if volume < 100_000 else 0.025
                return fee_rate * 1.0
            """
        ),
    )

    def visit_Float(self, node: cst.Float) -> None:
        literal: cst.BaseExpression = node
        parents = self.ctx.parents
        index = len(parents) - 1
        if index >= 0:
            sign = parents[index]
            if isinstance(sign, cst.UnaryOperation):
                literal = sign
                index -= 1
        if index < 0:
            return
        parent = parents[index]
        name = self._landing_name(parent, literal, index)
        if name is not None:
            if is_money_name(self.config, name):
                text = self.ctx.module.code_for_node(literal)
                level, why = self._landing_evidence(name, literal, parent)
                self.report(literal, f"money value `{name}` gets float literal {text}{why}", confidence=level)
            return
        if isinstance(parent, cst.Comparison | cst.ComparisonTarget):
            self._comparison(node, parents, index)
        elif isinstance(parent, cst.BinaryOperation) and isinstance(parent.operator, _ARITHMETIC):
            self._arithmetic(node, literal, parent)

    def _landing_evidence(
        self, name: str, literal: cst.BaseExpression, parent: cst.CSTNode
    ) -> tuple[Confidence, str]:
        tracer = Tracer(self.ctx)
        reach = tracer.reach_name(name, parent) if isinstance(parent, cst.Param) else tracer.reach(literal)
        if reach is not None and reach.kind == "store":
            # Django's DecimalField and SQLAlchemy's Numeric turn a literal back into its written digits
            return Confidence.LOW, "; it is only stored as written, which a decimal column keeps exact"
        if reach is not None:
            return reach.level, reach.clause()
        if self._is_module_constant(name, parent) and self._module_keeps_money_exact():
            return Confidence.HIGH, (
                "; a module constant every comparison and sum shares, in a module that keeps other amounts "
                "as int minor units or Decimal"
            )
        return Confidence.MEDIUM, ""

    def _is_module_constant(self, name: str, parent: cst.CSTNode) -> bool:
        return name.isupper() and isinstance(parent, cst.Assign | cst.AnnAssign) and self.ctx.enclosing_function() is None

    def _module_keeps_money_exact(self) -> bool:
        """`Decimal` imported, or money named in minor units (`MAX_AMOUNT_MINOR`, `amount_cents`)."""
        if any(target == "decimal.Decimal" or target == "decimal" for target in self.ctx.imports.values()):
            return True
        words = ("_minor", "_cents", "_MINOR", "_CENTS", "minor_units", "MINOR_UNITS")
        return any(word in self.ctx.source for word in words)

    def _landing_name(self, parent: cst.CSTNode, literal: cst.BaseExpression, index: int) -> str | None:
        if isinstance(parent, cst.Assign) and parent.value is literal:
            return target_name(parent.targets[0].target)
        if isinstance(parent, cst.AnnAssign) and parent.value is literal:
            if has_float_type(parent.annotation.annotation):
                return None  # RB101 reports the annotation
            return target_name(parent.target)
        if isinstance(parent, cst.AugAssign) and parent.value is literal:
            return target_name(parent.target)
        if isinstance(parent, cst.Param) and parent.default is literal:
            if parent.annotation is not None and has_float_type(parent.annotation.annotation):
                return None  # RB101 reports the annotation
            return parent.name.value
        if isinstance(parent, cst.Arg) and parent.keyword is not None:
            return None if is_inside_reporting_call(self.ctx) else parent.keyword.value
        if isinstance(parent, cst.DictElement) and parent.value is literal:
            return string_value(parent.key)
        if isinstance(parent, cst.Return):
            func = self.ctx.enclosing_function()
            return func.name.value if func is not None else None
        if isinstance(parent, cst.Element) and index >= 2:
            return self._unpacked_name(parent, index)
        return None

    def _unpacked_name(self, element: cst.Element, index: int) -> str | None:
        """`amount, fee = 10.0, 0.3`: pair the literal with its target."""
        values, assign = self.ctx.parents[index - 1], self.ctx.parents[index - 2]
        if not isinstance(values, cst.Tuple) or not isinstance(assign, cst.Assign):
            return None
        targets = assign.targets[0].target
        if not isinstance(targets, cst.Tuple) or len(targets.elements) != len(values.elements):
            return None
        position = next((i for i, e in enumerate(values.elements) if e is element), None)
        if position is None:
            return None
        return target_name(targets.elements[position].value)

    def _comparison(self, node: cst.Float, parents: list[cst.CSTNode], index: int) -> None:
        if float(node.value.replace("_", "")) == 0.0:
            return  # 0.0 is exact: `amount > 0.0` compares correctly
        comparison = parents[index if isinstance(parents[index], cst.Comparison) else index - 1]
        if not isinstance(comparison, cst.Comparison):
            return
        flow = Flow(self.ctx)
        operands = [comparison.left, *(t.comparator for t in comparison.comparisons)]
        for operand in operands:
            if operand is not node and not isinstance(operand, cst.Float) and flow.value(operand).money:
                self.report(
                    node,
                    f"money value `{flow.text(operand)}` is compared to float literal {node.value}: "
                    f"a Decimal amount never equals the float",
                    confidence=Confidence.HIGH,
                )
                return

    def _arithmetic(
        self, node: cst.Float, literal: cst.BaseExpression, parent: cst.BinaryOperation
    ) -> None:
        other = parent.right if parent.left is literal else parent.left
        flow = Flow(self.ctx)
        value = flow.value(other)
        if not value.money or value.num is Num.FLOAT:
            return  # an amount that is already a float is reported where it became one
        if isinstance(parent.operator, cst.Divide) and (parent.left is literal or value.num is Num.INT):
            return  # `1.0 / amount` is not an amount; `cents / 100.0` is RB104's
        target = destination(self.ctx, node, returns=False)
        if is_inside_reporting_call(self.ctx) or (target is not None and flow.is_ratio_name(target)):
            return
        reach = Tracer(self.ctx).reach(parent)
        level = reach.level if reach is not None else Confidence.MEDIUM
        self.report(
            node,
            f"float literal {node.value} makes money value `{flow.text(other)}` a float"
            + (reach.clause() if reach is not None else ""),
            confidence=level,
        )
