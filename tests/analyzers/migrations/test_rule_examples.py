"""Every migration rule's own Bad/Good examples: Bad reports (on `line`), Good stays silent."""

from __future__ import annotations

import textwrap

import pytest

from reviewbot.analyzers.migrations.engine import analyze_migration_source
from reviewbot.analyzers.migrations.rules import MIGRATION_RULES
from reviewbot.config import Config
from reviewbot.core.rules import Bad, Good

CASES = [
    pytest.param(rule, example, id=f"{rule.code}-{type(example).__name__.lower()}-{i}")
    for rule in MIGRATION_RULES
    for i, example in enumerate(rule.examples)
]


def run_rule(rule, example):
    config = Config(select=(rule.code,))
    source = textwrap.dedent(example.code)
    return [f for f in analyze_migration_source(example.path, source, config, rule_types=(rule,))]


@pytest.mark.parametrize(("rule", "example"), CASES)
def test_rule_example_behaves_as_documented(rule, example):
    findings = run_rule(rule, example)
    assert all(f.rule != "RB901" for f in findings), f"example does not parse: {findings}"
    findings = [f for f in findings if f.rule == rule.code]
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
        assert example.confidence in {f.confidence for f in findings if example.line in (None, f.line)}


@pytest.mark.parametrize("rule", MIGRATION_RULES, ids=lambda r: r.code)
def test_rule_info_documents_lock_postgres_and_recipes(rule):
    info = rule.info()
    assert info.code == rule.code and info.name == rule.name
    assert info.summary and info.rationale and info.help and info.lock and info.postgres
    assert info.bad_examples and info.good_examples
    assert all(ref.startswith("https://") for ref in info.references)
    assert set(rule.recipes) == {"sql", "alembic", "django"}
