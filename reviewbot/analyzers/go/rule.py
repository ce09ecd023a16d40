"""GoRule: the base of every Go rule, and the factories of its examples."""

from __future__ import annotations

from reviewbot.analyzers.treesitter.rule import TreeSitterRule
from reviewbot.core.findings import Confidence
from reviewbot.core.rules import Bad, Good

EXAMPLE_PATH = "internal/payments/example.go"


class GoRule(TreeSitterRule):
    """Subclass, set the class fields, and write `visit_<node_type>(self, node)` methods."""

    language = "go"


def bad(code: str, line: int | None = None, confidence: Confidence | None = None, path: str = EXAMPLE_PATH) -> Bad:
    """A Go example the rule must report (a whole file: `package` clause first)."""
    return Bad(code, line=line, confidence=confidence, path=path)


def good(code: str, path: str = EXAMPLE_PATH) -> Good:
    """A Go example the rule must stay silent on."""
    return Good(code, path=path)
