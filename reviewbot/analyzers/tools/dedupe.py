"""One finding per defect: drop a tool's finding where one of our rules reports the same thing."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from reviewbot.core.findings import Finding

# tool code -> our codes that report the same defect. Ours win: they judge the handler body,
# know PSP calls and carry our help text.
SAME_DEFECT: dict[str, frozenset[str]] = {
    "E722": frozenset({"RB201"}),  # bare except
    "S110": frozenset({"RB201", "RB202", "RB203"}),  # except ...: pass (bare or broad)
    "S112": frozenset({"RB201", "RB202"}),  # except ...: continue
    "BLE001": frozenset({"RB202", "RB203", "RB205"}),  # broad handler that does not report
    "B012": frozenset({"RB204"}),  # return/break/continue in finally
    "RUF032": frozenset({"RB105"}),  # Decimal(<float literal>)
    "invalid-syntax": frozenset({"RB901"}),  # from ruff, the file does not parse
    "syntax": frozenset({"RB901"}),  # from mypy, the file does not parse
    "E902": frozenset({"RB901"}),  # from ruff, the file cannot be read (not UTF-8)
    "RB904": frozenset({"RB901"}),  # a tool's unreadable output about a file we could not parse either
}
# A file that does not parse (or decode) is one defect, wherever each tool says it stopped.
WHOLE_FILE_CODES = frozenset({"invalid-syntax", "syntax", "E902", "RB904"})


def dedupe_against_ours(tool_findings: Sequence[Finding], our_findings: Iterable[Finding]) -> list[Finding]:
    """The tool findings that no finding of ours already reports on the same lines of the same file."""
    ours: dict[tuple[str, str], list[range]] = {}
    for finding in our_findings:
        ours.setdefault((finding.path, finding.rule), []).append(finding.span.lines)
    kept: list[Finding] = []
    for finding in tool_findings:
        twins = SAME_DEFECT.get(finding.rule, frozenset())
        others = [other for code in twins for other in ours.get((finding.path, code), ())]
        if others and (finding.rule in WHOLE_FILE_CODES or any(_overlaps(finding.span.lines, o) for o in others)):
            continue
        kept.append(finding)
    return kept


def _overlaps(a: range, b: range) -> bool:
    return a.start < b.stop and b.start < a.stop
