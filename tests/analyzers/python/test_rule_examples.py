"""Every Python rule's own Bad/Good examples: Bad reports (on `line`), Good stays silent."""

from __future__ import annotations

import textwrap

import pytest

from reviewbot.analyzers.python.engine import analyze_source
from reviewbot.analyzers.python.rules import RULES
from reviewbot.config import Config
from reviewbot.core.rules import Bad, Good

CASES = [
    pytest.param(rule, example, id=f"{rule.code}-{type(example).__name__.lower()}-{i}")
    for rule in RULES
    for i, example in enumerate(rule.examples)
]


def run_rule(rule, example):
    config = Config(select=(rule.code,), test_policy="strict")
    source = textwrap.dedent(example.code).encode()
    return [f for f in analyze_source(example.path, source, config, rule_types=(rule,)) if f.rule == rule.code]


@pytest.mark.parametrize(("rule", "example"), CASES)
def test_rule_example_behaves_as_documented(rule, example):
    findings = run_rule(rule, example)
    if isinstance(example, Good):
        assert findings == [], f"{rule.code} fired on its Good example: {findings}"
        return
    assert isinstance(example, Bad)
    assert findings, f"{rule.code} stayed silent on its Bad example:\n{example.code}"
    if example.line is not None:
        assert example.line in {f.line for f in findings}, (
            f"{rule.code} reported lines {[f.line for f in findings]}, expected {example.line}"
        )
    if example.confidence is not None:
        at_line = [f for f in findings if example.line is None or f.line == example.line]
        assert example.confidence in {f.confidence for f in at_line}, (
            f"{rule.code} reported confidence {[f.confidence.value for f in at_line]}, "
            f"expected {example.confidence.value}"
        )
    if example.fixed is not None:
        fixed = apply_fixes(textwrap.dedent(example.code), findings)
        assert fixed == textwrap.dedent(example.fixed)
        again = analyze_source(example.path, fixed.encode(), Config(select=(rule.code,), test_policy="strict"), rule_types=(rule,))
        assert [f for f in again if f.rule == rule.code] == []


def apply_fixes(source: str, findings):
    lines = source.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    edits = []
    for f in findings:
        if f.fix is None:
            continue
        s = f.fix.span
        start = offsets[s.line - 1] + s.column - 1
        end = offsets[s.end_line - 1] + s.end_column - 1
        edits.append((start, end, f.fix.replacement))
    for start, end, text in sorted(edits, reverse=True):
        source = source[:start] + text + source[end:]
    return source
