"""The deterministic Markdown summary: verdict, what blocks and how to fix it, counts, notes, timings."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from reviewbot.core.findings import Finding
from reviewbot.core.rules import RuleInfo
from reviewbot.core.verdict import Verdict

MAX_LISTED = 50  # findings listed per section before "and N more"
LLM_HEADING = "### Advisory notes (LLM)"
LLM_DISCLAIMER = "_Advisory only: these notes never change the verdict above._"


@dataclass(frozen=True, slots=True)
class ToolTiming:
    name: str
    seconds: float
    files: int
    findings: int


@dataclass(frozen=True, slots=True)
class SummaryInput:
    """Everything the summary shows; built by the review command from the pipeline's result."""

    findings: tuple[Finding, ...]  # all gated findings, in and out of the diff
    verdict: Verdict
    files_reviewed: int = 0
    seconds: float = 0.0
    timings: tuple[ToolTiming, ...] = ()
    notes: tuple[str, ...] = ()
    rules: Mapping[str, RuleInfo] = field(default_factory=dict)
    head_sha: str = ""
    # In-diff findings that were not posted as inline comments (over the per-run limit, or no anchor).
    not_inline: tuple[Finding, ...] = ()
    max_inline: int = 0


def render_summary(data: SummaryInput, llm_section: str | None = None, include_timings: bool = True) -> str:
    """The summary Markdown; `llm_section` (issue #7) is shown as advisory, below the deterministic part."""
    lines = _header(data)
    blocking = [f for f in data.findings if f.blocking]
    if blocking:
        lines += ["", f"### Blocking findings ({len(blocking)})", ""]
        lines += _listed([_blocking_item(f, data.rules) for f in blocking])
    lines += _family_table(data.findings)
    if data.not_inline:
        lines += [
            "",
            f"### In the diff, not commented inline ({len(data.not_inline)})",
            "",
            f"At most {data.max_inline} inline comments are posted per run; the rest are listed here.",
            "",
        ]
        lines += _listed([_item(f, data.rules) for f in data.not_inline])
    outside = [f for f in data.findings if not f.in_diff]
    if outside:
        lines += [
            "",
            "<details>",
            f"<summary>Outside the diff ({len(outside)}): existing code, not blocking</summary>",
            "",
        ]
        lines += _listed([_item(f, data.rules) for f in outside])
        lines += ["", "</details>"]
    if llm_section and llm_section.strip():
        lines += ["", LLM_HEADING, "", LLM_DISCLAIMER, "", llm_section.strip()]
    if data.notes:
        lines += ["", "### Notes", ""]
        lines += [f"- {note}" for note in data.notes]
    if include_timings and data.timings:
        lines += ["", "<details>", f"<summary>Timings ({data.seconds:.1f}s in total)</summary>", ""]
        lines += ["| tool | seconds | files | findings |", "|---|---:|---:|---:|"]
        lines += [f"| {t.name} | {t.seconds:.2f} | {t.files} | {t.findings} |" for t in data.timings]
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def _header(data: SummaryInput) -> list[str]:
    icon = "✅" if data.verdict.passed else "❌"
    word = "passed" if data.verdict.passed else "failed"
    facts = [f"{data.files_reviewed} file{'s' if data.files_reviewed != 1 else ''} reviewed"]
    if data.head_sha:
        facts.append(f"head `{data.head_sha[:12]}`")
    return [f"## {icon} reviewbot: gate {word}", "", f"**{_md(data.verdict.reason)}** · {' · '.join(facts)}"]


def _family_table(findings: tuple[Finding, ...]) -> list[str]:
    if not findings:
        return ["", "No findings."]
    families = sorted({f.family for f in findings})
    blocking = Counter(f.family for f in findings if f.blocking)
    in_diff = Counter(f.family for f in findings if f.in_diff)
    outside = Counter(f.family for f in findings if not f.in_diff)
    rows = ["", "### Findings by family", "", "| family | blocking | in the diff | outside the diff |", "|---|---:|---:|---:|"]
    rows += [f"| {fam} | {blocking[fam]} | {in_diff[fam]} | {outside[fam]} |" for fam in families]
    return rows


def _title(finding: Finding, rules: Mapping[str, RuleInfo]) -> str:
    rule = rules.get(finding.rule)
    return f"{finding.rule} {rule.name}" if rule else f"{finding.rule} ({finding.tool})"


def _item(finding: Finding, rules: Mapping[str, RuleInfo]) -> str:
    return f"- `{finding.path}:{finding.line}` **{_title(finding, rules)}** ({finding.severity.value}): {_md(finding.message)}"


def _blocking_item(finding: Finding, rules: Mapping[str, RuleInfo]) -> str:
    rule = rules.get(finding.rule)
    fix_text = finding.help or (rule.help if rule else "")
    text = _item(finding, rules)
    if fix_text:
        text += f"\n  - **Fix:** {_md(fix_text)}"
    if finding.fix is not None:
        safety = "safe" if finding.fix.safe else "review before applying"
        replacement = finding.fix.replacement.strip().splitlines()
        if len(replacement) == 1 and len(replacement[0]) <= 120:
            text += f"\n  - **Suggested change** ({safety}): `{replacement[0]}`"
        else:
            text += f"\n  - **Suggested change** ({safety}) available in the inline comment"
    if rule is not None:
        text += f"\n  - details: `reviewbot explain {rule.code}`"
    return text


def _listed(items: list[str]) -> list[str]:
    shown = items[:MAX_LISTED]
    if len(items) > MAX_LISTED:
        shown.append(f"- … and {len(items) - MAX_LISTED} more (see the SARIF report or the check run)")
    return shown


def _md(text: str) -> str:
    """One line of Markdown-safe text: no raw HTML, no line breaks that would break a list."""
    return " ".join(text.replace("<", "&lt;").replace(">", "&gt;").split())
