"""The Go security family's rules, listed explicitly and sorted by code."""

from __future__ import annotations

from reviewbot.analyzers.go.rule import GoRule
from reviewbot.analyzers.go.rules.security.card_data_in_log_call_go import CardDataInLogCallGo
from reviewbot.analyzers.go.rules.security.live_stripe_key_in_source_go import LiveStripeKeyInSourceGo
from reviewbot.analyzers.go.rules.security.optional_webhook_signature_check_go import (
    OptionalWebhookSignatureCheckGo,
)
from reviewbot.analyzers.go.rules.security.signature_compared_with_equals_go import (
    SignatureComparedWithEqualsGo,
)
from reviewbot.analyzers.go.rules.security.webhook_verification_weakened_go import (
    WebhookVerificationWeakenedGo,
)
from reviewbot.analyzers.go.rules.security.webhook_without_signature_check_go import (
    WebhookWithoutSignatureCheckGo,
)

SECURITY_RULES: tuple[type[GoRule], ...] = (
    WebhookWithoutSignatureCheckGo,
    OptionalWebhookSignatureCheckGo,
    WebhookVerificationWeakenedGo,
    SignatureComparedWithEqualsGo,
    CardDataInLogCallGo,
    LiveStripeKeyInSourceGo,
)
