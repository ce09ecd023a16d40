"""Confidence decides the gate: by default only high-confidence errors block; the rest are warnings."""

from __future__ import annotations

import json

from reviewbot.config import Config
from reviewbot.core.changes import ChangeSet, FileChange
from reviewbot.core.findings import Confidence, Finding, Severity, Span
from reviewbot.gate.gate import apply_gate


def _finding(confidence: Confidence, severity: Severity = Severity.ERROR, line: int = 1) -> Finding:
    return Finding(
        rule="RB101",
        family="money",
        severity=severity,
        path="app/charges.py",
        span=Span(line),
        message="money value `amount` is a float",
        confidence=confidence,
    )


def _gate(findings: list[Finding], **config: object):
    changes = ChangeSet(root=".", files=(FileChange("app/charges.py", text="amount = 1.5\n\n\n"),))
    return apply_gate(findings, changes, Config().override(**config), frozenset({"reviewbot"}))


def test_a_medium_confidence_error_is_shown_as_a_warning_and_does_not_block():
    result = _gate([_finding(Confidence.MEDIUM)])
    (finding,) = result.findings
    assert finding.severity is Severity.WARNING and not finding.blocking
    assert result.verdict.passed


def test_a_high_confidence_error_blocks():
    result = _gate([_finding(Confidence.HIGH)])
    assert result.findings[0].severity is Severity.ERROR and result.findings[0].blocking
    assert not result.verdict.passed


def test_min_confidence_medium_lets_medium_block_but_not_low():
    result = _gate([_finding(Confidence.MEDIUM, line=1), _finding(Confidence.LOW, line=2)], min_confidence="medium")
    by_line = {f.line: f for f in result.findings}
    assert by_line[1].blocking and by_line[1].severity is Severity.ERROR
    assert not by_line[2].blocking and by_line[2].severity is Severity.WARNING


def test_min_confidence_low_keeps_every_error():
    result = _gate([_finding(Confidence.LOW)], min_confidence="low")
    assert result.findings[0].blocking


def test_a_demoted_finding_still_fails_a_gate_that_fails_on_warnings():
    result = _gate([_finding(Confidence.LOW)], fail_on="warning")
    assert result.findings[0].blocking and not result.verdict.passed


def test_confidence_never_raises_a_warning():
    result = _gate([_finding(Confidence.HIGH, severity=Severity.WARNING)])
    assert result.findings[0].severity is Severity.WARNING and result.verdict.passed


def test_json_and_sarif_carry_each_findings_confidence(repo, cli):
    repo.write("app/refunds.py", "def refund_major(amount_cents: int) -> str:\n    return str(amount_cents / 100)\n")
    result = cli(["audit", "--tools", "none", "--format", "json"], repo.path)
    findings = json.loads(result.stdout)["findings"]
    assert findings and all(f["confidence"] in ("high", "medium", "low") for f in findings)
    sarif = json.loads(cli(["audit", "--tools", "none", "--format", "sarif"], repo.path).stdout)
    results = sarif["runs"][0]["results"]
    assert [r["properties"]["confidence"] for r in results] == [f["confidence"] for f in findings]


def test_min_confidence_is_a_cli_option_and_a_config_key(repo, cli):
    repo.write("pyproject.toml", '[tool.reviewbot]\nmin-confidence = "sometimes"\n')
    bad = cli(["audit", "--tools", "none"], repo.path)
    assert bad.exit_code == 2 and "min-confidence" in bad.stderr
    repo.write("pyproject.toml", '[tool.reviewbot]\nmin-confidence = "low"\n')
    assert cli(["audit", "--tools", "none"], repo.path).exit_code == 0
    assert cli(["audit", "--tools", "none", "--min-confidence", "sure"], repo.path).exit_code == 2
