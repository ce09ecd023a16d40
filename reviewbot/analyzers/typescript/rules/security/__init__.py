"""The TypeScript security family's rules, listed explicitly and sorted by code."""

from __future__ import annotations

from reviewbot.analyzers.typescript.rule import TypeScriptRule
from reviewbot.analyzers.typescript.rules.security.card_data_in_log_call import CardDataInLogCall
from reviewbot.analyzers.typescript.rules.security.live_stripe_key_in_source import LiveStripeKeyInSource
from reviewbot.analyzers.typescript.rules.security.optional_webhook_signature_check import (
    OptionalWebhookSignatureCheck,
)
from reviewbot.analyzers.typescript.rules.security.signature_compared_with_triple_equals import (
    SignatureComparedWithTripleEquals,
)
from reviewbot.analyzers.typescript.rules.security.webhook_tolerance_disabled import WebhookToleranceDisabled
from reviewbot.analyzers.typescript.rules.security.webhook_without_signature_check import (
    WebhookWithoutSignatureCheck,
)

SECURITY_RULES: tuple[type[TypeScriptRule], ...] = (
    WebhookWithoutSignatureCheck,
    OptionalWebhookSignatureCheck,
    WebhookToleranceDisabled,
    SignatureComparedWithTripleEquals,
    CardDataInLogCall,
    LiveStripeKeyInSource,
)
