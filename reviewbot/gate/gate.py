"""apply_gate: selection, severities, suppressions, baseline, diff marks and the verdict, in order."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from reviewbot.config import Config
from reviewbot.core.changes import ChangeSet
from reviewbot.core.findings import Finding, sort_findings
from reviewbot.core.verdict import Verdict
from reviewbot.gate.baseline import fingerprint_all, load_baseline, subtract_baseline
from reviewbot.gate.diff_filter import mark_diff
from reviewbot.gate.suppressions import apply_suppressions
from reviewbot.gate.texts import FileTexts
from reviewbot.gate.verdict import decide, demote_unsure, mark_blocking


@dataclass(frozen=True, slots=True)
class GateResult:
    findings: tuple[Finding, ...]  # every surviving finding, marked in_diff / blocking, sorted
    verdict: Verdict
    suppressed: int
    baselined: int

    @property
    def in_diff(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.in_diff)

    @property
    def outside_diff(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.in_diff)


def apply_gate(
    findings: list[Finding],
    changes: ChangeSet,
    config: Config,
    tools_run: frozenset[str],
    use_baseline: bool = True,
    texts: FileTexts | None = None,
) -> GateResult:
    """`texts`: the change set's files, as the pipeline's `FileTexts.read_ahead` left them (new when None)."""
    texts = texts if texts is not None else FileTexts(changes)
    selected = demote_unsure(
        [
            f.with_changes(severity=config.severity_for(f.rule, f.severity))
            for f in findings
            if config.is_selected(f.rule, f.family, f.path)
        ],
        config.min_confidence,
    )
    kept, meta, suppressed = apply_suppressions(selected, changes, texts, tools_run)
    kept.extend(m for m in meta if config.is_selected(m.rule, m.family, m.path))
    printed = fingerprint_all(kept, texts)
    baselined = 0
    baseline_path = Path(changes.root) / config.baseline
    if use_baseline and config.baseline and baseline_path.is_file():
        printed, baselined = subtract_baseline(printed, load_baseline(baseline_path))
    marked = mark_blocking(mark_diff(printed, changes, config.diff_filter), config.fail_on)
    ordered = sort_findings(marked)
    return GateResult(tuple(ordered), decide(ordered, config.fail_on), suppressed, baselined)


def count_by_family(findings: tuple[Finding, ...]) -> Counter[str]:
    return Counter(f.family for f in findings)
