"""Number kinds and money-ness of names, annotations, ORM fields and arithmetic, without flow."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

import libcst as cst

from reviewbot.analyzers.python.names import dotted_name, qualified_name
from reviewbot.config import Config, split_words


class Num(Enum):
    """What kind of number an expression holds, as far as one file can tell."""

    UNKNOWN = "unknown"
    INT = "int"
    FLOAT = "float"
    DECIMAL = "decimal"


@dataclass(frozen=True, slots=True)
class Value:
    """The money-ness and number kind of an expression."""

    money: bool
    num: Num


UNKNOWN = Value(False, Num.UNKNOWN)

# Name words that mean "integer minor units" (Stripe, Adyen, Checkout.com send amounts this way).
MINOR_UNIT_WORDS = frozenset(
    {"cents", "cent", "minor", "pence", "penny", "pennies", "paise", "satoshi", "satoshis", "subunits"}
)
FLOAT_TYPE_NAMES = frozenset(
    {
        "float", "confloat", "PositiveFloat", "NegativeFloat", "NonNegativeFloat",
        "NonPositiveFloat", "FiniteFloat", "StrictFloat", "float64", "float32", "float16",
    }
)
DECIMAL_NAMES = frozenset({"decimal.Decimal", "Decimal"})
# Calls whose result counts things: `total = len(items)` is not an amount.
COUNT_CALLS = frozenset({"len", "count", "range", "enumerate"})
# Calls that pass a number through unchanged in kind.
PASSTHROUGH_CALLS = frozenset({"abs", "max", "min", "sum", "round", "float", "int", "Decimal"})


@lru_cache(maxsize=32)
def _ratio_words(words: tuple[str, ...]) -> frozenset[str]:
    return frozenset(w.lower() for w in words)


def is_ratio_name(config: Config, name: str) -> bool:
    """`fee_rate`, `tax_pct`, `latency_ms`: a name that says the value is not an amount."""
    ratio = _ratio_words(config.non_money_words)
    return any(w in ratio for w in split_words(name))


# Money words that also quantify other things: `total_votes`, `remaining_attempts`, `paid_orders` count.
QUANTIFIER_WORDS = frozenset({"total", "totals", "net", "gross", "remaining", "outstanding", "paid", "captured",
                              "authorized", "owed"})


def is_money_name(config: Config, name: str) -> bool:
    """`config.is_money_name`, except a quantifier followed by a plural that is no money word: `total_votes`,
    `remaining_seats`, `paid_orders` are counts, while `order_total` and `total_amount` stay money."""
    if not config.is_money_name(name):
        return False
    words = split_words(name)
    money = [i for i, w in enumerate(words) if config.is_money_name(w)]
    if not money or any(words[i] not in QUANTIFIER_WORDS for i in money):
        return True
    counted = [w for w in words[money[-1] + 1 :] if len(w) > 3 and w.endswith("s") and not config.is_money_name(w)]
    return not counted


def name_value(config: Config, name: str) -> Value:
    """What a name alone says: `amount_cents` is int money, `total` is money of unknown kind."""
    if not is_money_name(config, name):
        return UNKNOWN
    if any(w in MINOR_UNIT_WORDS for w in split_words(name)):
        return Value(True, Num.INT)
    return Value(True, Num.UNKNOWN)


def join(a: Value, b: Value) -> Value:
    """Two possible values of one name: money if either is, a kind only if both agree."""
    return Value(a.money or b.money, a.num if a.num == b.num else Num.UNKNOWN)


def arithmetic_num(op: cst.BaseBinaryOp | cst.BaseAugOp, left: Num, right: Num) -> Num:
    kinds = {left, right}
    if Num.DECIMAL in kinds:
        return Num.DECIMAL
    if isinstance(op, (cst.Divide, cst.DivideAssign)):
        # int / int and float / x are floats; an unknown side may be a Decimal.
        return Num.FLOAT if Num.UNKNOWN not in kinds else Num.UNKNOWN
    if isinstance(op, cst.Power | cst.PowerAssign):
        return Num.UNKNOWN
    if Num.FLOAT in kinds:
        return Num.FLOAT
    if kinds == {Num.INT}:
        return Num.INT
    return Num.UNKNOWN


def arithmetic_money(op: cst.BaseBinaryOp | cst.BaseAugOp, left: Value, right: Value) -> bool:
    if isinstance(op, (cst.Divide, cst.DivideAssign)):
        # money / money is a ratio (refunded / total); money / n is an amount.
        return left.money and not right.money
    if isinstance(op, (cst.FloorDivide, cst.Modulo, cst.FloorDivideAssign, cst.ModuloAssign)):
        return left.money
    if isinstance(op, (cst.Add, cst.Subtract, cst.Multiply, cst.AddAssign, cst.SubtractAssign)):
        return left.money or right.money
    if isinstance(op, cst.MultiplyAssign):
        return left.money or right.money
    return False


def annotation_num(annotation: cst.BaseExpression) -> Num:
    """`int` -> INT, `Decimal | None` -> DECIMAL, `Mapped[float]` -> FLOAT, anything else UNKNOWN."""
    node = annotation
    while isinstance(node, cst.Subscript) and dotted_name(node.value) in {
        "Mapped", "sa.orm.Mapped", "Optional", "typing.Optional", "Annotated", "typing.Annotated",
    }:
        first = node.slice[0].slice
        if not isinstance(first, cst.Index):
            return Num.UNKNOWN
        node = first.value
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
        left, right = annotation_num(node.left), annotation_num(node.right)
        if dotted_name(node.right) == "None":
            return left
        if dotted_name(node.left) == "None":
            return right
        return left if left == right else Num.UNKNOWN
    name = dotted_name(node)
    if name is None:
        return Num.UNKNOWN
    last = name.rsplit(".", 1)[-1]
    if last == "int":
        return Num.INT
    if last in FLOAT_TYPE_NAMES:
        return Num.FLOAT
    if last == "Decimal":
        return Num.DECIMAL
    return Num.UNKNOWN


def is_decimal_constructor(func: cst.BaseExpression, imports: dict[str, str]) -> bool:
    """`Decimal`, `decimal.Decimal`, or an alias of either (`from decimal import Decimal as D`)."""
    if isinstance(func, cst.Name):
        target = imports.get(func.value)
        return target == "decimal.Decimal" or (target is None and func.value == "Decimal")
    if isinstance(func, cst.Attribute) and func.attr.value == "Decimal":
        return qualified_name(func, imports) in DECIMAL_NAMES
    return False


def call_name(func: cst.BaseExpression) -> str | None:
    """The last part of a called name: `stripe.Charge.create` -> "create"."""
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return None


def positional_args(call: cst.Call) -> list[cst.BaseExpression]:
    return [a.value for a in call.args if a.keyword is None and not a.star]


def field_num(call: cst.Call) -> Num:
    """The number kind of an ORM field: `DecimalField()`, `Column(Numeric)`, `Column(Float)`."""
    name = call_name(call.func)
    if name is None:
        return Num.UNKNOWN
    if name.endswith("DecimalField"):
        return Num.DECIMAL
    if name.endswith("FloatField"):
        return Num.FLOAT
    if name.endswith("IntegerField"):
        return Num.INT
    if name in {"Column", "mapped_column"}:
        for arg in positional_args(call):
            kind = column_type_num(arg)
            if kind is not Num.UNKNOWN:
                return kind
    return Num.UNKNOWN


SQL_FLOAT_TYPES = frozenset({"Float", "FLOAT", "REAL", "Double", "DOUBLE", "DOUBLE_PRECISION"})
SQL_DECIMAL_TYPES = frozenset({"Numeric", "NUMERIC", "DECIMAL"})
SQL_INT_TYPES = frozenset({"Integer", "INTEGER", "BigInteger", "BIGINT", "SmallInteger"})


def column_type_num(arg: cst.BaseExpression) -> Num:
    """`Float`, `sa.Float()`, `Numeric(12, 2)`, `Numeric(asdecimal=False)` as a SQLAlchemy column type."""
    target = arg.func if isinstance(arg, cst.Call) else arg
    name = call_name(target)
    if name in SQL_FLOAT_TYPES:
        return Num.FLOAT
    if name in SQL_DECIMAL_TYPES:
        if isinstance(arg, cst.Call) and any(
            a.keyword is not None and a.keyword.value == "asdecimal" and dotted_name(a.value) == "False"
            for a in arg.args
        ):
            return Num.FLOAT
        return Num.DECIMAL
    if name in SQL_INT_TYPES:
        return Num.INT
    return Num.UNKNOWN
