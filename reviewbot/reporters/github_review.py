"""Inline review comments and the one summary comment on a PR: anchored locally, idempotent, capped."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from reviewbot.clients.github import GitHubClient, ReviewComment, ReviewCommentDraft
from reviewbot.core.changes import ChangeSet
from reviewbot.core.findings import Finding
from reviewbot.core.rules import RuleInfo

MAX_BODY_CHARS = 65536  # GitHub rejects longer comment and review bodies (422)
SUMMARY_MARKER = "<!-- reviewbot:summary -->"
RESOLVED_MARKER = "<!-- reviewbot:resolved -->"
_FINDING_RE = re.compile(r"<!-- reviewbot:finding ([0-9a-f]+) -->")
_DIGEST_RE = re.compile(r"<!-- reviewbot:digest ([0-9a-f]+) -->")

SourceLines = Callable[[str], list[str]]


def finding_marker(fingerprint: str) -> str:
    return f"<!-- reviewbot:finding {fingerprint} -->"


@dataclass(frozen=True, slots=True)
class ReviewPlan:
    """What one run will do to the PR's inline comments."""

    new: tuple[tuple[Finding, ReviewCommentDraft], ...]
    not_inline: tuple[Finding, ...]  # in the diff but left to the summary (over the cap, or no anchor)
    already: frozenset[str]  # fingerprints that already have a live comment
    to_resolve: tuple[ReviewComment, ...]


def plan_review(
    findings: Sequence[Finding],
    changes: ChangeSet,
    existing: Sequence[ReviewComment],
    max_inline: int,
    rules: Mapping[str, RuleInfo],
    source_lines: SourceLines,
) -> ReviewPlan:
    """Choose the comments to post and to resolve; every anchor is checked against the local hunks."""
    live: dict[str, ReviewComment] = {}
    for comment in existing:
        match = _FINDING_RE.search(comment.body)
        if match and comment.in_reply_to_id is None and RESOLVED_MARKER not in comment.body:
            live.setdefault(match.group(1), comment)
    current = {f.fingerprint for f in findings}
    candidates = sorted(
        (f for f in findings if f.in_diff and f.fingerprint not in live),
        key=lambda f: (not f.blocking, -f.severity.rank, f.sort_key),
    )
    new: list[tuple[Finding, ReviewCommentDraft]] = []
    left: list[Finding] = []
    for finding in candidates:
        draft = _draft(finding, changes, rules, source_lines) if len(new) < max_inline else None
        if draft is None:
            left.append(finding)
        else:
            new.append((finding, draft))
    to_resolve = tuple(c for fp, c in sorted(live.items()) if fp not in current)
    return ReviewPlan(
        tuple(new), tuple(sorted(left, key=lambda f: f.sort_key)), frozenset(live) & current, to_resolve
    )


def anchor(finding: Finding, changes: ChangeSet) -> tuple[int, int | None] | None:
    """(line, start_line) on the RIGHT side inside one hunk, or None when GitHub would answer 422."""
    change = changes.get(finding.path)
    if change is None:
        return None
    hunk = change.hunk_of(finding.span.line)
    if hunk is None:
        return None
    end = finding.span.end_line
    if end > finding.span.line and hunk.contains(end):
        return end, finding.span.line
    return finding.span.line, None


def _draft(
    finding: Finding, changes: ChangeSet, rules: Mapping[str, RuleInfo], source_lines: SourceLines
) -> ReviewCommentDraft | None:
    place = anchor(finding, changes)
    if place is None:
        return None
    line, start = place
    suggestion = None
    fix = finding.fix
    if fix is not None:
        change = changes.get(finding.path)
        hunk = change.hunk_of(fix.span.line) if change is not None else None
        if hunk is not None and hunk.contains(fix.span.end_line):
            suggestion = _suggestion(finding, source_lines(finding.path))
            if suggestion is not None:
                line, start = fix.span.end_line, (fix.span.line if fix.span.end_line > fix.span.line else None)
    body = comment_body(finding, rules, suggestion)
    return ReviewCommentDraft(path=finding.path, body=body, line=line, start_line=start)


def _suggestion(finding: Finding, lines: list[str]) -> str | None:
    """The whole new text of the fix's lines (a suggestion block replaces whole lines)."""
    fix = finding.fix
    if fix is None or fix.span.end_line > len(lines) or fix.span.line < 1:
        return None
    span = fix.span
    first, last = lines[span.line - 1], lines[span.end_line - 1]
    end_column = span.end_column if span.end_column > 0 else len(last) + 1
    # Span columns are 1-based and end_column is exclusive.
    return first[: span.column - 1] + fix.replacement + last[end_column - 1 :]


def comment_body(finding: Finding, rules: Mapping[str, RuleInfo], suggestion: str | None) -> str:
    rule = rules.get(finding.rule)
    title = f"{finding.rule} {rule.name}" if rule else f"{finding.rule} ({finding.tool})"
    status = "blocking" if finding.blocking else "not blocking"
    parts = [f"**{title}** ({finding.severity.value}, {finding.confidence.value} confidence, {status}): {finding.message}"]
    fix_help = finding.help or (rule.help if rule else "")
    if fix_help:
        parts.append(fix_help)
    if suggestion is not None and finding.fix is not None:
        fence = "````" if "```" in suggestion else "```"
        label = "Safe fix" if finding.fix.safe else "Suggested fix (changes behaviour: review before committing)"
        parts.append(f"{label}:\n\n{fence}suggestion\n{suggestion}\n{fence}")
    if rule is not None:
        parts.append(f"<sub>Details: `reviewbot explain {rule.code}`</sub>")
    marker = finding_marker(finding.fingerprint)
    return _fit("\n\n".join(parts), reserve=len(marker) + 2) + "\n\n" + marker


def resolved_body(comment: ReviewComment, head_sha: str) -> str:
    """The edited text of a comment whose finding is gone: struck through, marker kept."""
    match = _FINDING_RE.search(comment.body)
    marker = match.group(0) if match else ""
    original = _FINDING_RE.sub("", comment.body).strip()
    text = (
        f"✅ **Resolved** in `{head_sha[:12]}`: reviewbot no longer reports this finding.\n\n"
        f"<details><summary>Original comment</summary>\n\n{original[:MAX_BODY_CHARS // 2]}\n\n</details>\n\n"
        f"{marker} {RESOLVED_MARKER}"
    )
    return _fit(text)


@dataclass(frozen=True, slots=True)
class ReviewOutcome:
    posted: int
    resolved: int


def post_review(client: GitHubClient, number: int, head_sha: str, plan: ReviewPlan) -> ReviewOutcome:
    """One COMMENT review with the new inline comments; then edit comments whose finding is gone."""
    if plan.new:
        batch = hashlib.sha256(" ".join(sorted(f.fingerprint for f, _ in plan.new)).encode()).hexdigest()[:16]
        marker = f"<!-- reviewbot:review {head_sha[:12]} {batch} -->"
        count = len(plan.new)
        body = (
            f"reviewbot: {count} new finding{'s' if count != 1 else ''} on `{head_sha[:12]}`; "
            f"the summary comment has the verdict.\n\n{marker}"
        )
        client.create_review(number, head_sha, body, [draft for _, draft in plan.new], marker)
    for comment in plan.to_resolve:
        client.update_review_comment(comment.id, resolved_body(comment, head_sha))
    return ReviewOutcome(len(plan.new), len(plan.to_resolve))


def upsert_summary_comment(client: GitHubClient, number: int, body: str, digest_source: str) -> str:
    """Create or edit the one summary comment; returns "created", "updated" or "unchanged"."""
    digest = hashlib.sha256(digest_source.encode()).hexdigest()[:20]
    tail = f"\n\n{SUMMARY_MARKER}\n<!-- reviewbot:digest {digest} -->"
    full = _fit(body, reserve=len(tail)) + tail
    mine = [c for c in client.list_issue_comments(number) if SUMMARY_MARKER in c.body]
    if not mine:
        client.create_issue_comment(number, full, SUMMARY_MARKER)
        return "created"
    current = mine[0]
    match = _DIGEST_RE.search(current.body)
    if match and match.group(1) == digest:
        return "unchanged"
    client.update_issue_comment(current.id, full)
    return "updated"


def _fit(text: str, reserve: int = 0) -> str:
    limit = MAX_BODY_CHARS - reserve
    if len(text) <= limit:
        return text
    note = "\n\n… (truncated: GitHub limits comments to 65536 characters; see the check run or SARIF)"
    return text[: limit - len(note)] + note
