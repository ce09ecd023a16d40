"""RULES: every TypeScript rule class, listed explicitly per family and sorted by code."""

from __future__ import annotations

from reviewbot.analyzers.typescript.rule import TypeScriptRule
from reviewbot.analyzers.typescript.rules.concurrency import CONCURRENCY_RULES
from reviewbot.analyzers.typescript.rules.exceptions import EXCEPTIONS_RULES
from reviewbot.analyzers.typescript.rules.idempotency import IDEMPOTENCY_RULES
from reviewbot.analyzers.typescript.rules.money import MONEY_RULES
from reviewbot.analyzers.typescript.rules.security import SECURITY_RULES

RULES: tuple[type[TypeScriptRule], ...] = tuple(
    sorted(
        (*MONEY_RULES, *EXCEPTIONS_RULES, *IDEMPOTENCY_RULES, *CONCURRENCY_RULES, *SECURITY_RULES),
        key=lambda rule: rule.code,
    )
)
