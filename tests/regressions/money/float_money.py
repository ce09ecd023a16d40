"""Float money in realistic payments code; each `# expect:` comment names the codes on its line."""

# The old spellings (Optional, %-format, str.format) are part of what the rules must read.
# ruff: noqa: UP031, UP032, UP045

from __future__ import annotations

import decimal
from dataclasses import dataclass
from decimal import Decimal as D
from typing import NamedTuple, Optional

from django.db import models
from pydantic import BaseModel, confloat
from rest_framework import serializers
from sqlalchemy import Column, Float, Numeric, Table
from sqlalchemy.orm import Mapped, mapped_column


@dataclass
class Payout:
    merchant_id: str
    amount: float  # expect: RB101
    fee: Optional[float] = None  # expect: RB101


class Capture(NamedTuple):
    payment_id: str
    captured_amount: float  # expect: RB101


class TopUp(BaseModel):
    balance: confloat(ge=0)  # expect: RB101
    prices: list[float]  # expect: RB101
    amount_cents: int = 19.99  # expect: RB103


class Wallet(Base):  # noqa: F821
    __tablename__ = "wallets"
    balance: Mapped[Optional[float]]  # expect: RB107
    hold_amount = Column(Float(precision=2))  # expect: RB107
    pending_payout = mapped_column(Numeric(12, 2, asdecimal=False))  # expect: RB107


ledger = Table("ledger", metadata, Column("amount", Float))  # noqa: F821  # expect: RB107


class Order(models.Model):
    subtotal = models.FloatField()  # expect: RB107


class RefundSerializer(serializers.Serializer):
    refund_amount = serializers.FloatField()  # expect: RB107


def charge(customer, amount: float = 0.0):  # expect: RB101
    return gateway.charge(customer, amount=amount)  # noqa: F821


def charge_default(customer, amount=10.5):  # expect: RB103
    return gateway.charge(customer, amount=amount)  # noqa: F821


def tip_payload(order_id):
    return {"order_id": order_id, "tip": 2.5, "fee": -0.3}  # expect: RB103 RB103


def parse(request):
    amount = float(request.POST["amount"])  # expect: RB102
    price = float(request.POST["p"])  # expect: RB102
    return amount, price


def send(order):
    gateway.charge(amount=float(order.total_cents))  # noqa: F821  # expect: RB102


def split(total_cents: int, parts: int) -> list[float]:
    return [total_cents / parts] * parts  # expect: RB104


def to_major(payment) -> float:
    amount = payment.amount_cents / 100  # expect: RB104
    return amount


def convert_in_place(amount_minor: int) -> int:
    amount_minor /= 100  # expect: RB104
    return amount_minor


def accumulated(lines) -> float:
    total = 0  # accumulator starts as a plain int
    for line in lines:
        total += line.amount_cents
    return total / 100  # expect: RB104


def decimals(amount_cents: int, rate: float):
    a = D(0.1)  # expect: RB105
    b = decimal.Decimal(amount_cents / 100)  # expect: RB105
    c = D.from_float(rate)  # expect: RB105
    return a, b, c


def rounding(order):
    total = float(order.subtotal) + float(order.tax)  # expect: RB102 RB102
    return round(total, 2)  # expect: RB106


def rounded_payload(payout):
    return {"amount": round(payout.gross - payout.fees, 2)}  # expect: RB106


def formatted(order):
    value = float(order.total)  # expect: RB102
    return f"{value:.2f}"  # expect: RB109


def formatted_percent_style(payment) -> str:
    major = payment.amount_minor / 100  # expect: RB104
    return "EUR %.2f" % (major,)  # expect: RB109


def formatted_str_format(total: float) -> str:  # expect: RB101
    return "Total: {total:,.2f}".format(total=total)  # expect: RB109


def compared(payment) -> bool:
    return payment.amount == 19.99  # expect: RB103


def discounted(price):
    return price * 0.9  # expect: RB103
