"""RULES: every Go rule class, listed explicitly per family and sorted by code; RETIRED: Go codes not running.

The Go helper brings the rest of the Go families here (money, idempotency, concurrency, security).
"""

from __future__ import annotations

from reviewbot.analyzers.go.rule import GoRule
from reviewbot.analyzers.go.rules.exceptions import EXCEPTIONS_RULES
from reviewbot.analyzers.go.rules.retired import RETIRED

RULES: tuple[type[GoRule], ...] = tuple(sorted(EXCEPTIONS_RULES, key=lambda rule: rule.code))

__all__ = ["RETIRED", "RULES"]
