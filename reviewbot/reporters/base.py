"""ReportInput: what every reporter receives; reporters know nothing of analyzers."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from reviewbot.core.changes import ChangeSet
from reviewbot.core.findings import Finding
from reviewbot.core.redact import scrub, scrub_lines
from reviewbot.core.rules import RuleInfo
from reviewbot.core.verdict import Verdict


@dataclass(frozen=True, slots=True)
class ReportInput:
    changes: ChangeSet
    findings: tuple[Finding, ...]  # all gated findings, in and out of the diff
    verdict: Verdict
    stats: Mapping[str, object]
    rules: Mapping[str, RuleInfo] = field(default_factory=dict)
    # code -> help markdown, rendered by explain.py (the one renderer of rule docs)
    rule_help: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def shown(self) -> tuple[Finding, ...]:
        """The findings a report lists: those on changed lines (all of them in audit mode)."""
        return tuple(f for f in self.findings if f.in_diff)

    @property
    def hidden(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.in_diff)

    def source_lines(self, path: str, wanted: Collection[int] | None = None) -> list[str]:
        """The reviewed text of `path` for code frames, with its secrets masked (only the `wanted` lines,
        the others empty, when given)."""
        return masked_source_lines(self.changes, path, wanted)


def masked_source_lines(changes: ChangeSet, path: str, wanted: Collection[int] | None = None) -> list[str]:
    """The reviewed text of a file (staged, patched or on disk) as lines, secrets masked line for line;
    with `wanted` (line numbers from 1) only those lines, every other one empty."""
    change = changes.get(path)
    if change is not None and change.text is not None:
        text = change.text
    else:
        try:
            text = (Path(changes.root) / path).read_bytes().decode("utf-8", errors="replace")
        except OSError:
            return []
    if wanted is not None:
        return scrub_lines(text, wanted)
    # The whole text at once: a private-key block spans lines; scrub keeps the line count.
    return scrub(text).text.splitlines()


class Reporter(Protocol):
    def render(self, report: ReportInput) -> str: ...
