"""The Go idempotency family's rules, listed explicitly and sorted by code."""

from __future__ import annotations

from reviewbot.analyzers.go.rule import GoRule
from reviewbot.analyzers.go.rules.idempotency.stripe_go_params_without_idempotency_key import (
    StripeGoParamsWithoutIdempotencyKey,
)
from reviewbot.analyzers.go.rules.idempotency.uuid_idempotency_key_per_attempt import (
    UUIDIdempotencyKeyPerAttempt,
)

IDEMPOTENCY_RULES: tuple[type[GoRule], ...] = (StripeGoParamsWithoutIdempotencyKey, UUIDIdempotencyKeyPerAttempt)
