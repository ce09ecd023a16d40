"""RULES: every Go rule class, listed explicitly per family and sorted by code; RETIRED: Go codes not running."""

from __future__ import annotations

from reviewbot.analyzers.go.rule import GoRule
from reviewbot.analyzers.go.rules.concurrency import CONCURRENCY_RULES
from reviewbot.analyzers.go.rules.exceptions import EXCEPTIONS_RULES
from reviewbot.analyzers.go.rules.idempotency import IDEMPOTENCY_RULES
from reviewbot.analyzers.go.rules.money import MONEY_RULES
from reviewbot.analyzers.go.rules.retired import RETIRED as _RESERVED
from reviewbot.analyzers.go.rules.security import SECURITY_RULES
from reviewbot.core.rules import RuleInfo

RULES: tuple[type[GoRule], ...] = tuple(sorted((*MONEY_RULES, *EXCEPTIONS_RULES, *IDEMPOTENCY_RULES, *CONCURRENCY_RULES, *SECURITY_RULES), key=lambda rule: rule.code))
# A reserved code leaves this list when a running rule takes it back with the same meaning.
RETIRED: tuple[RuleInfo, ...] = tuple(info for info in _RESERVED if info.code not in {rule.code for rule in RULES})

__all__ = ["RETIRED", "RULES"]
