"""The security family's rules, listed explicitly and sorted by code."""

from __future__ import annotations

from reviewbot.analyzers.python.rule import PythonRule
from reviewbot.analyzers.python.rules.security.card_data_in_logs import CardDataInLogs
from reviewbot.analyzers.python.rules.security.live_secret_in_code import LiveSecretInCode
from reviewbot.analyzers.python.rules.security.signature_compared_with_equals import (
    SignatureComparedWithEquals,
)
from reviewbot.analyzers.python.rules.security.unverified_webhook import UnverifiedWebhook

SECURITY_RULES: tuple[type[PythonRule], ...] = (
    CardDataInLogs,
    LiveSecretInCode,
    UnverifiedWebhook,
    SignatureComparedWithEquals,
)
