"""The Go rules on long regression files: safe look-alikes stay silent, hazards are marked per line."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from reviewbot.analyzers.go.engine import analyze_source
from reviewbot.config import Config

REGRESSIONS = Path(__file__).parents[2] / "regressions" / "go"
STRICT = Config(test_policy="strict")


def expected_per_line(text: str) -> Counter[tuple[int, str]]:
    expected: Counter[tuple[int, str]] = Counter()
    for number, line in enumerate(text.splitlines(), start=1):
        match = re.search(r"// expect: ((?:RB\d{3} ?)+)$", line)
        if match:
            for code in match.group(1).split():
                expected[(number, code)] += 1
    return expected


def test_safe_lookalikes_yield_no_go_finding():
    source = (REGRESSIONS / "safe_lookalikes.go").read_bytes()
    findings = analyze_source("internal/payments/safe_lookalikes.go", source, STRICT)
    assert [(f.line, f.rule, f.message) for f in findings] == []


def test_flagged_file_reports_exactly_the_codes_marked_on_each_line():
    text = (REGRESSIONS / "flagged.go").read_text(encoding="utf-8")
    findings = analyze_source("internal/payments/flagged.go", text.encode(), STRICT)
    assert Counter((f.line, f.rule) for f in findings) == expected_per_line(text)


def test_every_go_rule_is_exercised_by_the_flagged_file():
    from reviewbot.analyzers.go.rules import RULES

    marked = {code for _, code in expected_per_line((REGRESSIONS / "flagged.go").read_text(encoding="utf-8"))}
    assert {rule.code for rule in RULES} <= marked
