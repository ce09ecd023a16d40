"""Mark each finding in or out of the diff, per the filter mode (added, diff_context, file, all)."""

from __future__ import annotations

from reviewbot.core.changes import ChangeSet, Mode
from reviewbot.core.findings import Finding


def is_in_diff(finding: Finding, changes: ChangeSet, mode: str) -> bool:
    """Whether the finding sits on what the filter mode counts as changed."""
    if changes.mode is Mode.AUDIT or mode == "all":
        return True
    change = changes.get(finding.path)
    if change is None:
        return False
    if mode == "file":
        return True
    lines = finding.span.lines
    if mode == "diff_context":
        return any(change.is_line_in_hunk(n) for n in lines)
    return any(change.is_line_added(n) for n in lines)


def mark_diff(findings: list[Finding], changes: ChangeSet, mode: str) -> list[Finding]:
    return [f.with_changes(in_diff=is_in_diff(f, changes, mode)) for f in findings]
