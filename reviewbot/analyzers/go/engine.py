"""The Go analyzer: one tree-sitter parse per file, every Go rule on the same tree."""

from __future__ import annotations

from collections.abc import Sequence

from reviewbot.analyzers.go.rule import GoRule
from reviewbot.analyzers.go.rules import RULES
from reviewbot.analyzers.go.syntax import callee_name, clear_caches
from reviewbot.analyzers.treesitter import engine
from reviewbot.analyzers.treesitter.analyzer import TreeSitterAnalyzer
from reviewbot.analyzers.treesitter.engine import LanguageSpec
from reviewbot.analyzers.treesitter.languages import GO
from reviewbot.config import Config
from reviewbot.core.findings import Finding

SPEC = LanguageSpec(
    name=GO.name, grammars=((".go", "go"),), rules=RULES, call_name=callee_name, before_file=clear_caches
)


class GoAnalyzer(TreeSitterAnalyzer):
    """reviewbot's Go rules (RB12x, RB21x, RB31x, RB51x, RB72x)."""

    def __init__(self) -> None:
        super().__init__(GO)


def analyze_source(
    path: str, source: bytes, config: Config, rule_types: Sequence[type[GoRule]] | None = None
) -> list[Finding]:
    """The findings of the Go rules (or of `rule_types`) on one file's bytes."""
    return engine.analyze_source(path, source, config, SPEC, rule_types)
