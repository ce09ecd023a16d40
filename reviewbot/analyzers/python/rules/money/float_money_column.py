"""RB107 float-money-column: an ORM or serializer field that stores a monetary value as a float."""

from __future__ import annotations

import libcst as cst

from reviewbot.analyzers.python.names import call_chain, string_value, target_name
from reviewbot.analyzers.python.rule import PythonRule
from reviewbot.analyzers.python.rules.exceptions.effects import PAYMENT_NOUNS
from reviewbot.analyzers.python.rules.money.shapes import is_mapped_float
from reviewbot.analyzers.python.rules.money.values import (
    Num,
    call_name,
    column_type_num,
    is_money_name,
    positional_args,
)
from reviewbot.config import Config, split_words
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Bad, Evidence, Family, Good

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
    evidence = (
        Evidence(
            Confidence.HIGH,
            "the column belongs to a money record: a model or table named for payments, orders, invoices, "
            "refunds, wallets, ledgers or transactions, or one that also stores a currency or keeps its other "
            "amounts as Decimal or integers",
        ),
        Evidence(Confidence.MEDIUM, "the column's name says money, the record's purpose is not in sight"),
        Evidence(
            Confidence.LOW,
            "a search-index document field (elasticsearch-dsl, django-elasticsearch-dsl, haystack): a copy for "
            "ranking and filtering, not the stored amount",
        ),
    )
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
            confidence=Confidence.HIGH,
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
            confidence=Confidence.HIGH,
        ),
        Bad(
            """\
            from django.db import models

            class Order(models.Model):
                reference = models.CharField(max_length=32)
                total = models.FloatField()
            """,
            line=5,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """\
            from rest_framework import serializers

            class RefundSerializer(serializers.Serializer):
                payment_id = serializers.CharField()
                amount = serializers.FloatField(min_value=0)
            """,
            line=5,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """\
            from django.db import models

            class DailyStats(models.Model):
                day = models.DateField(unique=True)
                revenue = models.FloatField()
            """,
            line=5,
            confidence=Confidence.MEDIUM,
        ),
        Bad(
            """\
            from django_elasticsearch_dsl import Document, fields

            class ProductDocument(Document):
                name = fields.TextField()
                price = fields.FloatField()
            """,
            line=5,
            confidence=Confidence.LOW,
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
        if name is not None and is_money_name(self.config, name) and is_mapped_float(node.annotation.annotation):
            level, why = self._evidence()
            self.report(node.annotation, f"money column `{name}` is mapped as float{why}", confidence=level)

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
        if name is None or not is_money_name(self.config, name) or self._in_migration():
            return
        parent = self.ctx.parent
        if isinstance(parent, cst.AnnAssign) and is_mapped_float(parent.annotation.annotation):
            return  # reported once, on the `Mapped[float]` annotation
        for arg in args:
            if column_type_num(arg) is Num.FLOAT:
                level, why = self._evidence()
                self.report(arg, f"money column `{name}` has float type `{self._text(arg)}`{why}", confidence=level)
                return

    def _field(self, node: cst.Call, kind: str) -> None:
        chain = call_chain(node.func) or ""
        if kind == "Float" and not chain.endswith("fields.Float"):
            return  # marshmallow's `fields.Float`; a bare `Float(...)` is a SQLAlchemy type
        name = self._assigned_name(node)
        if name is None or not is_money_name(self.config, name) or self._in_migration():
            return
        level, why = self._evidence()
        self.report(node, f"money field `{name}` is a {chain.rsplit('.', 1)[-1]}{why}", confidence=level)

    def _evidence(self) -> tuple[Confidence, str]:
        """How surely the record holding the column is a money record."""
        owner = self.ctx.enclosing(cst.ClassDef)
        if isinstance(owner, cst.ClassDef):
            bases = {w for base in owner.bases for w in split_words(call_chain(base.value) or "")}
            if bases & _SEARCH_INDEX_WORDS:
                return Confidence.LOW, " in a search-index document"
            record = _record_words(owner.name.value) | _record_words(_table_name(owner) or "")
            if record & PAYMENT_NOUNS:
                return Confidence.HIGH, f" on money record `{owner.name.value}`"
            if _has_currency_or_exact_amounts(owner, self.config):
                return Confidence.HIGH, f" in `{owner.name.value}`, which also stores a currency or exact amounts"
            return Confidence.MEDIUM, ""
        table = self._table_call()
        if table is not None and _record_words(table) & PAYMENT_NOUNS:
            return Confidence.HIGH, f" in table `{table}`"
        return Confidence.MEDIUM, ""

    def _table_call(self) -> str | None:
        for parent in reversed(self.ctx.parents):
            if isinstance(parent, cst.Call) and call_name(parent.func) == "Table":
                args = positional_args(parent)
                return string_value(args[0]) if args else None
        return None

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


# Base-class words of search-index documents (elasticsearch-dsl, django-elasticsearch-dsl, haystack).
_SEARCH_INDEX_WORDS = frozenset({"document", "search", "index", "indexable", "inner", "doc"})


def _record_words(name: str) -> set[str]:
    return set(split_words(name))


def _table_name(cls: cst.ClassDef) -> str | None:
    for stmt in cls.body.body if isinstance(cls.body, cst.IndentedBlock) else ():
        for small in stmt.body if isinstance(stmt, cst.SimpleStatementLine) else ():
            if (
                isinstance(small, cst.Assign)
                and any(isinstance(t.target, cst.Name) and t.target.value in ("__tablename__", "db_table") for t in small.targets)
            ):
                return string_value(small.value)
            if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) and small.value is not None:
                if small.target.value == "__tablename__":
                    return string_value(small.value)
    return None


def _has_currency_or_exact_amounts(cls: cst.ClassDef, config: Config) -> bool:
    """A `currency` field, or another money field declared Decimal or integer (`DecimalField`, `Numeric`)."""
    for stmt in cls.body.body if isinstance(cls.body, cst.IndentedBlock) else ():
        for small in stmt.body if isinstance(stmt, cst.SimpleStatementLine) else ():
            name = None
            value: cst.BaseExpression | None = None
            if isinstance(small, cst.Assign) and isinstance(small.targets[0].target, cst.Name):
                name, value = small.targets[0].target.value, small.value
            elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                name, value = small.target.value, small.value
            if name is None:
                continue
            if "currency" in split_words(name):
                return True
            if isinstance(value, cst.Call) and (call_name(value.func) or "").endswith(("DecimalField", "IntegerField")):
                if is_money_name(config, name):
                    return True
    return False
