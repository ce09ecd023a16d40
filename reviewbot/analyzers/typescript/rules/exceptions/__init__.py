"""The TypeScript exceptions family's rules, listed explicitly and sorted by code."""

from __future__ import annotations

from reviewbot.analyzers.typescript.rule import TypeScriptRule
from reviewbot.analyzers.typescript.rules.exceptions.psp_lookup_failure_creates_payment import (
    PspLookupFailureCreatesPayment,
)
from reviewbot.analyzers.typescript.rules.exceptions.swallowed_promise_rejection import (
    SwallowedPromiseRejection,
)
from reviewbot.analyzers.typescript.rules.exceptions.swallowing_catch_block import SwallowingCatchBlock
from reviewbot.analyzers.typescript.rules.exceptions.webhook_acknowledged_after_failure import (
    WebhookAcknowledgedAfterFailure,
)

EXCEPTIONS_RULES: tuple[type[TypeScriptRule], ...] = (
    SwallowingCatchBlock,
    SwallowedPromiseRejection,
    PspLookupFailureCreatesPayment,
    WebhookAcknowledgedAfterFailure,
)
