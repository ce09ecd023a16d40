"""The `reviewbot` check run: conclusion, summary, and annotations sent 50 per request."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from reviewbot.clients.github import Annotation, CheckOutput, GitHubClient
from reviewbot.core.findings import Finding, Severity
from reviewbot.core.rules import RuleInfo
from reviewbot.core.verdict import Verdict

MAX_ANNOTATIONS_PER_REQUEST = 50  # the Checks API rejects larger batches (422)
MAX_ANNOTATIONS = 1000  # beyond this the summary and SARIF carry the rest
MAX_OUTPUT_CHARS = 65535  # output.summary / output.text maxLength in the Checks API
MAX_TITLE_CHARS = 255  # annotation title limit
LEVELS = {Severity.ERROR: "failure", Severity.WARNING: "warning", Severity.INFO: "notice"}


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    check_run_id: int | None
    created: bool
    annotations: int


def conclusion_for(verdict: Verdict, findings: Sequence[Finding]) -> str:
    """failure when the gate fails; neutral when it passes with findings in the diff; else success."""
    if not verdict.passed:
        return "failure"
    return "neutral" if any(f.in_diff for f in findings) else "success"


def annotations_for(findings: Sequence[Finding], rules: Mapping[str, RuleInfo]) -> list[Annotation]:
    ordered = sorted((f for f in findings if f.in_diff), key=lambda f: (not f.blocking, -f.severity.rank, f.sort_key))
    out: list[Annotation] = []
    for finding in ordered[:MAX_ANNOTATIONS]:
        rule = rules.get(finding.rule)
        title = f"{finding.rule} {rule.name}" if rule else f"{finding.rule} ({finding.tool})"
        message = finding.message + (f"\n\n{finding.help}" if finding.help else "")
        out.append(
            Annotation(
                path=finding.path,
                start_line=finding.span.line,
                end_line=finding.span.end_line,
                level=LEVELS[finding.severity],
                message=message[:60000],
                title=title[:MAX_TITLE_CHARS],
            )
        )
    return out


def post_check_run(
    client: GitHubClient,
    name: str,
    head_sha: str,
    verdict: Verdict,
    findings: Sequence[Finding],
    rules: Mapping[str, RuleInfo],
    summary: str,
    digest_source: str,
) -> CheckOutcome:
    """Create the check run once per commit and content; a re-run with the same result posts nothing."""
    conclusion = conclusion_for(verdict, findings)
    annotations = annotations_for(findings, rules)
    digest = hashlib.sha256(f"{conclusion}\0{digest_source}".encode()).hexdigest()[:20]
    external_id = f"reviewbot-{digest}"
    for run in client.list_check_runs(head_sha, name):
        if run.external_id == external_id:
            return CheckOutcome(run.id, False, 0)
    output = CheckOutput(title=_title(verdict), summary=_fit(summary))
    first, rest = annotations[:MAX_ANNOTATIONS_PER_REQUEST], annotations[MAX_ANNOTATIONS_PER_REQUEST:]
    run_id = client.create_check_run(name, head_sha, external_id, conclusion, output, first)
    for start in range(0, len(rest), MAX_ANNOTATIONS_PER_REQUEST):
        client.update_check_run(run_id, output, rest[start : start + MAX_ANNOTATIONS_PER_REQUEST])
    return CheckOutcome(run_id, True, len(annotations))


def _title(verdict: Verdict) -> str:
    return ("reviewbot: gate passed" if verdict.passed else "reviewbot: gate failed") + f" ({verdict.reason})"[:200]


def _fit(text: str) -> str:
    if len(text) <= MAX_OUTPUT_CHARS:
        return text
    note = "\n\n… (truncated: the Checks API limits the summary to 65535 characters)"
    return text[: MAX_OUTPUT_CHARS - len(note)] + note
