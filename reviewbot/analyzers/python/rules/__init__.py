"""RULES: every Python rule class, listed explicitly per family and sorted by code."""

from __future__ import annotations

from reviewbot.analyzers.python.rule import PythonRule
from reviewbot.analyzers.python.rules.concurrency import CONCURRENCY_RULES
from reviewbot.analyzers.python.rules.exceptions import EXCEPTIONS_RULES
from reviewbot.analyzers.python.rules.idempotency import IDEMPOTENCY_RULES
from reviewbot.analyzers.python.rules.money import MONEY_RULES
from reviewbot.analyzers.python.rules.security import SECURITY_RULES

RULES: tuple[type[PythonRule], ...] = tuple(
    sorted(
        (*MONEY_RULES, *EXCEPTIONS_RULES, *IDEMPOTENCY_RULES, *CONCURRENCY_RULES, *SECURITY_RULES),
        key=lambda rule: rule.code,
    )
)
