"""RB107 float-money-column: an ORM or serializer field that stores a monetary value as a float."""

from __future__ import annotations

import libcst as cst

from reviewbot.analyzers.python.names import call_chain, string_value, target_name
from reviewbot.analyzers.python.rule import PythonRule
from reviewbot.analyzers.python.rules.money.shapes import is_mapped_float
from reviewbot.analyzers.python.rules.money.values import Num, call_name, column_type_num, positional_args
from reviewbot.core.findings import Severity
from reviewbot.core.rules import Bad, Family, Good

# Float field constructors of Django, DRF, Django forms, WTForms and marshmallow.
_FLOAT_FIELDS = frozenset({"FloatField", "Float"})
# Schema changes inside migrations are RB108's, reported on the SQL they produce.
_MIGRATION_HEADS = frozenset({"op", "migrations", "alembic"})


class FloatMoneyColumn(PythonRule):
    code = "RB107"
    name = "float-money-column"
    family = Family.MONEY
    severity = Severity.ERROR
    summary = (
        "A money column or field is a float: SQLAlchemy `Float`, `Numeric(asdecimal=False)`, "
        "`Mapped[float]`, Django or DRF `FloatField`."
    )
    rationale = (
        "The column type decides what every read returns. A `Float` column or `FloatField` stores "
        "double precision, so each balance read from the database is already off by a fraction "
        "of a cent before any code runs, and `Numeric(asdecimal=False)` or `Mapped[float]` hands "
        "the exact NUMERIC value back as a float. Fixing it later needs a data migration."
    )
    help = (
        "Use `Numeric(12, 2)` / `Mapped[Decimal]`, `models.DecimalField(max_digits=12, "
        "decimal_places=2)`, `serializers.DecimalField`, or an integer minor-units column."
    )
    options = ("money-names", "extend-money-names", "non-money-words")
    references = (
        "https://docs.sqlalchemy.org/en/20/core/type_basics.html#sqlalchemy.types.Numeric",
        "https://docs.djangoproject.com/en/5.0/ref/models/fields/#decimalfield",
    )
    triggers = ("Float", "float", "asdecimal", "REAL", "DOUBLE", "Double")
    examples = (
        Bad(
            """\
            from sqlalchemy import Column, Float, Integer

            class Payment(Base):
                __tablename__ = "payments"
                id = Column(Integer, primary_key=True)
                amount = Column(Float, nullable=False)
            """,
            line=6,
        ),
        Bad(
            """\
            from sqlalchemy import Numeric
            from sqlalchemy.orm import Mapped, mapped_column

            class Wallet(Base):
                __tablename__ = "wallets"
                balance: Mapped[float] = mapped_column(Numeric(12, 2))
                pending_payout = mapped_column(Numeric(12, 2, asdecimal=False))
            """,
            line=6,
        ),
        Bad(
            """\
            from django.db import models

            class Order(models.Model):
                reference = models.CharField(max_length=32)
                total = models.FloatField()
            """,
            line=5,
        ),
        Bad(
            """\
            from rest_framework import serializers

            class RefundSerializer(serializers.Serializer):
                payment_id = serializers.CharField()
                amount = serializers.FloatField(min_value=0)
            """,
            line=5,
        ),
        Good(
            """\
            from decimal import Decimal

            from sqlalchemy import Numeric
            from sqlalchemy.orm import Mapped, mapped_column

            class Wallet(Base):
                __tablename__ = "wallets"
                balance: Mapped[Decimal] = mapped_column(Numeric(12, 2))
                balance_minor: Mapped[int]
            """
        ),
        Good(
            """\
            from django.db import models

            class Merchant(models.Model):
                fee_rate = models.FloatField(default=0.029)
                risk_score = models.FloatField()
                payout = models.DecimalField(max_digits=12, decimal_places=2)
            """
        ),
        Good(
            """\
            from sqlalchemy import Column, Float, Integer

            class PspCall(Base):
                __tablename__ = "psp_calls"
                id = Column(Integer, primary_key=True)
                latency_ms = Column(Float)
                exchange_rate = Column(Float)
            """
        ),
    )

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        name = target_name(node.target)
        if name is not None and self.config.is_money_name(name) and is_mapped_float(node.annotation.annotation):
            self.report(node.annotation, f"money column `{name}` is mapped as float")

    def visit_Call(self, node: cst.Call) -> None:
        kind = call_name(node.func)
        if kind in {"Column", "mapped_column"}:
            self._column(node)
        elif kind in _FLOAT_FIELDS:
            self._field(node, kind)

    def _column(self, node: cst.Call) -> None:
        args = positional_args(node)
        column = string_value(args[0]) if args else None
        name = column or self._assigned_name(node)
        if name is None or not self.config.is_money_name(name) or self._in_migration():
            return
        parent = self.ctx.parent
        if isinstance(parent, cst.AnnAssign) and is_mapped_float(parent.annotation.annotation):
            return  # reported once, on the `Mapped[float]` annotation
        for arg in args:
            if column_type_num(arg) is Num.FLOAT:
                self.report(arg, f"money column `{name}` has float type `{self._text(arg)}`")
                return

    def _field(self, node: cst.Call, kind: str) -> None:
        chain = call_chain(node.func) or ""
        if kind == "Float" and not chain.endswith("fields.Float"):
            return  # marshmallow's `fields.Float`; a bare `Float(...)` is a SQLAlchemy type
        name = self._assigned_name(node)
        if name is None or not self.config.is_money_name(name) or self._in_migration():
            return
        self.report(node, f"money field `{name}` is a {chain.rsplit('.', 1)[-1]}")

    def _assigned_name(self, node: cst.Call) -> str | None:
        parent = self.ctx.parent
        if isinstance(parent, cst.Assign) and parent.value is node:
            return target_name(parent.targets[0].target)
        if isinstance(parent, cst.AnnAssign) and parent.value is node:
            return target_name(parent.target)
        return None

    def _in_migration(self) -> bool:
        for parent in self.ctx.parents:
            if isinstance(parent, cst.Call):
                chain = call_chain(parent.func)
                if chain is not None and chain.split(".", 1)[0] in _MIGRATION_HEADS:
                    return True
        return False

    def _text(self, node: cst.CSTNode) -> str:
        return " ".join(self.ctx.module.code_for_node(node).split())
