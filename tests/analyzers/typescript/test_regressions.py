"""The TypeScript rules on long regression files: safe look-alikes stay silent, hazards are marked per line."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from reviewbot.analyzers.typescript.engine import analyze_source
from reviewbot.config import Config

REGRESSIONS = Path(__file__).parents[2] / "regressions" / "typescript"
STRICT = Config(test_policy="strict")


def expected_per_line(text: str) -> Counter[tuple[int, str]]:
    expected: Counter[tuple[int, str]] = Counter()
    for number, line in enumerate(text.splitlines(), start=1):
        match = re.search(r"// expect: ((?:RB\d{3} ?)+)$", line)
        if match:
            for code in match.group(1).split():
                expected[(number, code)] += 1
    return expected


def test_safe_lookalikes_yield_no_typescript_finding():
    source = (REGRESSIONS / "safe_lookalikes.ts").read_bytes()
    findings = analyze_source("src/payments/safe_lookalikes.ts", source, STRICT)
    assert [(f.line, f.rule, f.message) for f in findings] == []


def test_flagged_file_reports_exactly_the_codes_marked_on_each_line():
    text = (REGRESSIONS / "flagged.ts").read_text(encoding="utf-8")
    findings = analyze_source("src/payments/flagged.ts", text.encode(), STRICT)
    assert Counter((f.line, f.rule) for f in findings) == expected_per_line(text)


def test_every_typescript_rule_is_exercised_by_the_flagged_file():
    from reviewbot.analyzers.typescript.rules import RULES

    marked = {code for _, code in expected_per_line((REGRESSIONS / "flagged.ts").read_text(encoding="utf-8"))}
    assert {rule.code for rule in RULES} <= marked
