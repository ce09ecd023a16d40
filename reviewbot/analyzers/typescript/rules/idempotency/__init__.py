"""The TypeScript idempotency family's rules, listed explicitly and sorted by code."""

from __future__ import annotations

from reviewbot.analyzers.typescript.rule import TypeScriptRule
from reviewbot.analyzers.typescript.rules.idempotency.hono_payment_route_without_idempotency_key import (
    HonoPaymentRouteWithoutIdempotencyKey,
)
from reviewbot.analyzers.typescript.rules.idempotency.random_idempotency_key_per_attempt import (
    RandomIdempotencyKeyPerAttempt,
)
from reviewbot.analyzers.typescript.rules.idempotency.stripe_node_call_without_idempotency_key import (
    StripeNodeCallWithoutIdempotencyKey,
)

IDEMPOTENCY_RULES: tuple[type[TypeScriptRule], ...] = (
    StripeNodeCallWithoutIdempotencyKey,
    RandomIdempotencyKeyPerAttempt,
    HonoPaymentRouteWithoutIdempotencyKey,
)
