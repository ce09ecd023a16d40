"""The RB9xx meta rules' own examples, run through the whole CLI, and the per-file crash isolation."""

from __future__ import annotations

import json
import textwrap

import libcst as cst
import pytest

from reviewbot.analyzers.python.engine import analyze_source
from reviewbot.analyzers.python.rule import PythonRule
from reviewbot.config import Config
from reviewbot.core.findings import Severity
from reviewbot.core.meta import PARSE_ERROR, SUPPRESSION_WITHOUT_REASON, UNUSED_SUPPRESSION
from reviewbot.core.rules import Bad, Family

CASES = [
    pytest.param(rule, example, id=f"{rule.code}-{type(example).__name__.lower()}")
    for rule in (PARSE_ERROR, SUPPRESSION_WITHOUT_REASON, UNUSED_SUPPRESSION)
    for example in rule.examples
]


@pytest.mark.parametrize(("rule", "example"), CASES)
def test_meta_rule_example_behaves_as_documented(rule, example, repo, cli):
    repo.write(example.path, textwrap.dedent(example.code))
    data = json.loads(cli(["audit", "--tools", "none", "--format", "json", "--select", "meta"], repo.path).stdout)
    lines = [f["line"] for f in data["findings"] if f["rule"] == rule.code]
    if isinstance(example, Bad):
        assert lines, f"{rule.code} stayed silent on its Bad example"
        assert example.line is None or example.line in lines
    else:
        assert lines == []


class ExplodingRule(PythonRule):
    """A rule that crashes on every call, standing in for a bug in a real rule."""

    code = "RB199"
    name = "exploding-rule"
    family = Family.MONEY
    severity = Severity.ERROR
    summary = rationale = help = "test only"

    def visit_Call(self, node: cst.Call) -> None:
        raise RuntimeError("boom")


def test_a_rule_that_crashes_becomes_rb905_on_that_file_and_the_others_still_run():
    source = b"def refund(amount_cents: int) -> int:\n    return round(amount_cents / 2)\n"
    crashed = analyze_source("payments/refunds.py", source, Config(), rule_types=(ExplodingRule,))
    assert [(f.rule, f.line) for f in crashed] == [("RB905", 1)]
    assert "RuntimeError: boom" in crashed[0].message
    clean = analyze_source("payments/other.py", b"x = 1\n", Config(), rule_types=(ExplodingRule,))
    assert clean == []
