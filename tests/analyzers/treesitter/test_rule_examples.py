"""Every TypeScript and Go rule's own Bad/Good examples: Bad reports (on `line`, at `confidence`), Good stays silent."""

from __future__ import annotations

import textwrap

import pytest

from reviewbot.analyzers.go.engine import SPEC as GO
from reviewbot.analyzers.treesitter.engine import analyze_source
from reviewbot.analyzers.typescript.engine import SPEC as TYPESCRIPT
from reviewbot.config import Config
from reviewbot.core.rules import Bad, Good

CASES = [
    pytest.param(spec, rule, example, id=f"{rule.code}-{type(example).__name__.lower()}-{i}")
    for spec in (TYPESCRIPT, GO)
    for rule in spec.rules
    for i, example in enumerate(rule.examples)
]


def run_rule(spec, rule, example):
    config = Config(select=(rule.code,), test_policy="strict")
    source = textwrap.dedent(example.code).encode()
    return [f for f in analyze_source(example.path, source, config, spec, rule_types=(rule,)) if f.rule == rule.code]


@pytest.mark.parametrize(("spec", "rule", "example"), CASES)
def test_rule_example_behaves_as_documented(spec, rule, example):
    assert example.path.endswith(spec.suffixes), f"{rule.code}: example path {example.path} is not {spec.name}"
    source = textwrap.dedent(example.code).encode()
    parsed = analyze_source(example.path, source, Config(select=("RB901",)), spec, rule_types=())
    assert parsed == [], f"{rule.code}: its example does not parse: {parsed}"
    findings = run_rule(spec, rule, example)
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


@pytest.mark.parametrize("spec", [TYPESCRIPT, GO], ids=lambda s: s.name)
def test_every_rule_of_a_language_has_a_bad_example_per_documented_confidence_and_a_good_one(spec):
    for rule in spec.rules:
        assert rule.info().language == spec.name
        assert rule.info().bad_examples and rule.info().good_examples, rule.code
        for node_type in rule.node_types():
            assert node_type, rule.code
