"""The idempotency family's rules, listed explicitly and sorted by code."""

from __future__ import annotations

from reviewbot.analyzers.python.rule import PythonRule
from reviewbot.analyzers.python.rules.idempotency.payment_endpoint_without_dedupe import (
    PaymentEndpointWithoutDedupe,
)
from reviewbot.analyzers.python.rules.idempotency.psp_call_without_idempotency_key import (
    PspCallWithoutIdempotencyKey,
)
from reviewbot.analyzers.python.rules.idempotency.retry_without_stable_key import RetryWithoutStableKey
from reviewbot.analyzers.python.rules.idempotency.unstable_idempotency_key import UnstableIdempotencyKey

IDEMPOTENCY_RULES: tuple[type[PythonRule], ...] = (
    PspCallWithoutIdempotencyKey,
    UnstableIdempotencyKey,
    PaymentEndpointWithoutDedupe,
    RetryWithoutStableKey,
)
