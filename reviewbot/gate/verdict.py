"""Severity threshold -> blocking findings -> the verdict and its one-line reason."""

from __future__ import annotations

from reviewbot.core.findings import Confidence, Finding, Severity
from reviewbot.core.verdict import Outcome, Verdict


def demote_unsure(findings: list[Finding], min_confidence: str) -> list[Finding]:
    """An `error` below `min-confidence` is shown as a `warning`: only evidence, not a name, blocks."""
    floor = Confidence(min_confidence).rank
    return [
        f.with_changes(severity=Severity.WARNING)
        if f.severity is Severity.ERROR and f.confidence.rank < floor
        else f
        for f in findings
    ]


def mark_blocking(findings: list[Finding], fail_on: str) -> list[Finding]:
    if fail_on == "never":
        return [f.with_changes(blocking=False) for f in findings]
    threshold = Severity(fail_on).rank
    return [
        f.with_changes(blocking=f.in_diff and f.tool != "llm" and f.severity.rank >= threshold)
        for f in findings
    ]


def decide(findings: list[Finding], fail_on: str) -> Verdict:
    blocking = sum(1 for f in findings if f.blocking)
    if blocking:
        noun = "finding" if blocking == 1 else "findings"
        return Verdict(Outcome.FAIL, f"{blocking} blocking {noun} at {fail_on} or above — gate failed", blocking)
    if fail_on == "never":
        return Verdict(Outcome.PASS, "fail-on is never — gate passed")
    shown = sum(1 for f in findings if f.in_diff)
    if shown:
        return Verdict(Outcome.PASS, f"no findings at {fail_on} or above ({shown} below) — gate passed")
    return Verdict(Outcome.PASS, "no findings — gate passed")
