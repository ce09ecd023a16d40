"""Running one family's rules on a snippet, and reading `# expect: RBxxx` marks in regression files."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence

from reviewbot.analyzers.python.engine import analyze_source
from reviewbot.analyzers.python.rule import PythonRule
from reviewbot.config import Config
from reviewbot.core.findings import Finding

EXPECT = re.compile(r"#\s*expect:\s*(RB\d{3})")


def run_family(
    rules: Sequence[type[PythonRule]], source: str, path: str, config: Config | None = None
) -> list[Finding]:
    """The findings of `rules` alone on the dedented snippet, test files included (strict policy)."""
    config = config or Config(select=tuple(rule.code for rule in rules), test_policy="strict")
    return analyze_source(path, textwrap.dedent(source).encode(), config, rule_types=tuple(rules))


def marked(source: str) -> list[tuple[str, int]]:
    """(code, line) of every `# expect: RBxxx` mark, sorted."""
    return sorted(
        (match.group(1), number)
        for number, line in enumerate(source.splitlines(), start=1)
        if (match := EXPECT.search(line))
    )
