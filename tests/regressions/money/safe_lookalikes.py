"""Payments code that handles floats correctly or whose floats are not money: no RB1xx finding."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from pydantic import BaseModel
from sqlalchemy import Column, Float, Integer, Numeric
from sqlalchemy.orm import Mapped, mapped_column

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
STRIPE_FEE_RATE = 0.029
STRIPE_FIXED_FEE_CENTS = 30
DEFAULT_TAX_PCT = 19.0
PSP_TIMEOUT_SECONDS = 7.5
RETRY_BACKOFF_FACTOR = 1.5


@dataclass(frozen=True)
class PricingPlan:
    fee_rate: float
    tax_pct: float
    refund_ratio: float = 0.0
    fx_spread_bps: float = 25.0
    amount_cents: int = 0


class ChargeRequest(BaseModel):
    amount: Decimal
    amount_minor: int
    currency: str
    exchange_rate: float | None = None
    risk_score: float = 0.0


class Payment(models.Model):
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    fee_rate = models.FloatField(default=0.029)
    latitude = models.FloatField(null=True)
    longitude = models.FloatField(null=True)


class PspCall(Base):  # noqa: F821
    __tablename__ = "psp_calls"
    id = Column(Integer, primary_key=True)
    latency_ms = Column(Float)
    success_rate = Column(Float)
    amount = Column(Numeric(12, 2))
    balance: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    balance_minor: Mapped[int] = mapped_column(Integer)


def split_evenly(amount_minor: int, parts: int) -> list[int]:
    base, remainder = divmod(amount_minor, parts)
    return [base + (1 if i < remainder else 0) for i in range(parts)]


def half_refund(amount_minor: int) -> int:
    return amount_minor // 2


def to_major(amount_minor: int) -> Decimal:
    return Decimal(amount_minor) / 100


def to_major_quantized(amount_cents: int) -> Decimal:
    return (Decimal(amount_cents) / Decimal(100)).quantize(CENT, rounding=ROUND_HALF_UP)


def fee_for(amount: Decimal) -> Decimal:
    fee = amount * Decimal("0.029") + Decimal("0.30")
    return fee.quantize(CENT, rounding=ROUND_HALF_UP)


def tax_for(net: Decimal, tax_rate: Decimal) -> Decimal:
    tax = Decimal(net) * tax_rate
    return round(tax, 2)


def invoice_total(subtotal: Decimal, tax: Decimal) -> str:
    total = (subtotal + tax).quantize(CENT)
    return f"{total:.2f}"


def decimal_string(amount_cents: int) -> str:
    units, cents = divmod(amount_cents, 100)
    return f"{units}.{cents:02d}"


def parse_amount(raw: str) -> Decimal:
    return Decimal(raw)


def parse_amount_from_json(payload: dict[str, object]) -> Decimal:
    return Decimal(str(payload["amount"]))


def refund_ratio(refunded_cents: int, captured_cents: int) -> float:
    return refunded_cents / captured_cents


def refund_share(order) -> float:
    refund_ratio = float(order.refunded_total) / float(order.total)
    return refund_ratio


def conversion(payments, attempts: int) -> float:
    success_rate = len(payments) / attempts
    return round(success_rate * 100, 1)


def timing(started: float) -> float:
    elapsed = time.monotonic() - started
    latency_ms = elapsed * 1000.0
    latency_seconds = latency_ms / 1000
    return round(latency_seconds, 3)


def geo(payment) -> tuple[float, float]:
    lat = float(payment.billing_lat)
    lng = float(payment.billing_lng)
    return lat, lng


def fraud_probability(features) -> float:
    probability = model.predict(features)  # noqa: F821
    score = probability * 100.0
    return score


def fx_convert(amount: Decimal, exchange_rate: Decimal) -> Decimal:
    converted = amount * exchange_rate
    return converted.quantize(CENT)


def report(order, started: float) -> None:
    logger.info("order %s total %s", order.id, float(order.total))
    metrics.gauge("checkout.total", float(order.total))  # noqa: F821
    print(f"took {time.monotonic() - started:.3f}s, rate {order.fx_rate:.4f}")


def dashboard(stats) -> str:
    success_rate = stats.succeeded / stats.attempts
    latency = stats.total_ms / stats.calls
    return f"{success_rate:.2%} ok, p50 {latency:.1f} ms"


def is_refundable(payment) -> bool:
    return payment.amount > 0.0 and payment.risk_score < 0.8


def count_totals(orders) -> float:
    total = len(orders)
    half = total / 2
    return half


def fee_rate_for(volume: int) -> float:
    fee_rate = 0.029 if volume < 100_000 else 0.025
    return fee_rate


def percent_of_total(part_cents: int, total_cents: int) -> str:
    pct = part_cents / total_cents * 100
    return f"{pct:.1f}%"


def accumulate(lines) -> Decimal:
    total = Decimal("0.00")
    for line in lines:
        total += line.price * line.quantity
    return total


def minor_units_total(lines) -> int:
    total_cents = 0
    for line in lines:
        total_cents += line.amount_cents
    return total_cents


def rescale(amount_cents: int) -> Decimal:
    amount = Decimal(amount_cents)
    amount = amount / 100
    return amount


def apply_discount(price: Decimal, discount_pct: Decimal) -> Decimal:
    discounted = price * (1 - discount_pct / 100)
    return round(discounted, 2)


def weights(amounts_cents: list[int]) -> list[float]:
    total_cents = sum(amounts_cents)
    return [a / total_cents for a in amounts_cents]
