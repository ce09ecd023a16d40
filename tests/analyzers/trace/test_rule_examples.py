"""RB416's own Bad/Good examples, replayed on a real PostgreSQL against the schema its docs name."""

from __future__ import annotations

import textwrap

import pytest

from reviewbot.analyzers.trace.rule import EXAMPLE_SCHEMA, TRACE_RULES
from reviewbot.core.rules import Bad, Good
from tests.analyzers.trace.conftest import trace_files, write

CASES = [pytest.param(rule, example, id=f"{rule.code}-{type(example).__name__.lower()}-{i}")
         for rule in TRACE_RULES for i, example in enumerate(rule.examples)]


@pytest.mark.parametrize(("rule", "example"), CASES)
def test_trace_rule_example_behaves_as_documented(rule, example, postgres, tmp_path):
    write(tmp_path, {"migrations/0001_payments.sql": EXAMPLE_SCHEMA})
    traced = trace_files(tmp_path, {example.path: textwrap.dedent(example.code)}, postgres, rows=200)
    found = [f for f in traced.result.findings if f.rule == rule.code]
    if isinstance(example, Good):
        assert found == [], found
        return
    assert isinstance(example, Bad)
    assert found, traced.result.findings
    assert example.line in {f.line for f in found}
    assert all(f.tool == "trace" for f in found)
    if example.confidence is not None:
        assert {f.confidence for f in found} == {example.confidence}


def test_explain_prints_the_trace_rule(cli, repo):
    result = cli(["explain", "RB416"], repo.path)
    assert result.exit_code == 0
    assert result.stdout.startswith("RB416 measured-migration-hazard\n")
    assert "runs in trace (sql)" in result.stdout
