"""One finding per defect: ruff/mypy findings our own rules already report are dropped."""

from __future__ import annotations

from reviewbot.analyzers.tools.dedupe import dedupe_against_ours
from reviewbot.core.findings import Finding, Severity, Span


def finding(rule: str, line: int, end_line: int = 0, path: str = "payments/refunds.py", tool: str = "reviewbot") -> Finding:
    return Finding(rule, "exceptions", Severity.ERROR, path, Span(line, 1, end_line), "m", tool=tool)


def test_ruff_finding_on_the_same_lines_as_our_twin_rule_is_dropped():
    tool = [finding("E722", 7, tool="ruff"), finding("S110", 7, 8, tool="ruff"), finding("F401", 1, tool="ruff")]
    ours = [finding("RB201", 7), finding("RB202", 8)]
    assert [f.rule for f in dedupe_against_ours(tool, ours)] == ["F401"]


def test_ruff_finding_is_kept_when_our_rule_is_elsewhere_or_a_different_defect():
    tool = [finding("E722", 7, tool="ruff"), finding("BLE001", 20, tool="ruff"), finding("RUF032", 3, tool="ruff")]
    ours = [finding("RB201", 30), finding("RB202", 20, path="payments/other.py"), finding("RB101", 3)]
    assert [f.rule for f in dedupe_against_ours(tool, ours)] == ["E722", "BLE001", "RUF032"]


def test_a_syntax_error_is_one_finding_whatever_line_each_parser_names():
    tool = [finding("syntax", 2, tool="mypy"), finding("invalid-syntax", 1, tool="ruff")]
    ours = [finding("RB901", 1)]
    assert dedupe_against_ours(tool, ours) == []
