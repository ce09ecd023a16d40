"""RULES: every Go rule class, listed explicitly per family and sorted by code; RETIRED: Go codes not running.

Every code of the retired semgrep pack's Go rules (RB112, RB113, RB212, RB313, RB314, RB512) runs again here
with its meaning, so RETIRED is empty; a rule that stops running keeps its code there.
"""

from __future__ import annotations

from reviewbot.analyzers.go.rule import GoRule
from reviewbot.analyzers.go.rules.concurrency import CONCURRENCY_RULES
from reviewbot.analyzers.go.rules.exceptions import EXCEPTIONS_RULES
from reviewbot.analyzers.go.rules.idempotency import IDEMPOTENCY_RULES
from reviewbot.analyzers.go.rules.money import MONEY_RULES
from reviewbot.analyzers.go.rules.security import SECURITY_RULES
from reviewbot.core.rules import RuleInfo

RULES: tuple[type[GoRule], ...] = tuple(
    sorted(
        (*MONEY_RULES, *EXCEPTIONS_RULES, *IDEMPOTENCY_RULES, *CONCURRENCY_RULES, *SECURITY_RULES),
        key=lambda rule: rule.code,
    )
)
RETIRED: tuple[RuleInfo, ...] = ()

__all__ = ["RETIRED", "RULES"]
