"""`reviewbot: ignore[CODE] reason` comments (#, --, //): on the line, or alone on the line above."""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass

from reviewbot.core.changes import ChangeSet
from reviewbot.core.findings import Finding
from reviewbot.core.meta import SUPPRESSION_WITHOUT_REASON, UNUSED_SUPPRESSION, meta_finding
from reviewbot.gate.texts import FileTexts

SUPPRESSION_MARK = "reviewbot:"  # what every suppression comment holds
_SUPPRESSION_RE = re.compile(
    r"(?P<lead>#|--|//|/\*)\s*reviewbot:\s*ignore\[(?P<codes>[^\]]*)\](?P<reason>.*)$"
)
_RUFF_CODE_RE = re.compile(r"^[A-Z]+[0-9]+$")


@dataclass(slots=True)
class Suppression:
    path: str
    line: int  # the line the comment is on
    applies_to: tuple[int, ...]
    codes: tuple[str, ...]
    reason: str
    used: set[str]


def _python_comment_lines(lines: list[str]) -> set[int] | None:
    """Lines whose real comment (not a string) holds the marker; None if the file does not tokenize."""
    source = "\n".join(lines) + "\n"
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return None
    return {tok.start[0] for tok in tokens if tok.type == tokenize.COMMENT and SUPPRESSION_MARK in tok.string}


def parse_suppressions(path: str, lines: list[str]) -> list[Suppression]:
    found: list[Suppression] = []
    # In Python, a marker inside a string literal (docs, examples) is not a suppression.
    comment_lines = _python_comment_lines(lines) if path.endswith((".py", ".pyi")) else None
    for number, text in enumerate(lines, start=1):
        if SUPPRESSION_MARK not in text or (comment_lines is not None and number not in comment_lines):
            continue
        match = _SUPPRESSION_RE.search(text)
        if match is None:
            continue
        codes = tuple(c.strip() for c in match.group("codes").split(",") if c.strip())
        reason = match.group("reason").strip().removesuffix("*/").strip(" -:;,.")
        standalone = text[: match.start()].strip() == ""
        applies = (number, number + 1) if standalone else (number,)
        found.append(Suppression(path, number, applies, codes, reason, set()))
    return found


_TSC_CODE_RE = re.compile(r"^TS[0-9]+$")
# Our rules are run by the analyzer of the file's language; RB416 only by `--trace`.
_ANALYZER_OF_SUFFIX = {
    **dict.fromkeys((".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"), "typescript"),
    ".go": "go",
    ".sql": "migrations",
}
_TRACE_CODES = frozenset({"RB416"})


def tool_of_code(code: str, path: str = "") -> str:
    """The analyzer or tool that would report `code` in `path` (a suppression is unused only if it ran)."""
    suffix = path[path.rfind(".") :] if "." in path.rsplit("/", 1)[-1] else ""
    if code in _TRACE_CODES:
        return "trace"
    if code.startswith("RB"):
        return _ANALYZER_OF_SUFFIX.get(suffix, "reviewbot")
    if _TSC_CODE_RE.match(code):
        return "tsc"
    if _RUFF_CODE_RE.match(code):
        return "ruff"
    return "go-vet" if suffix == ".go" else "mypy"


def apply_suppressions(
    findings: list[Finding], changes: ChangeSet, texts: FileTexts, tools_run: frozenset[str]
) -> tuple[list[Finding], list[Finding], int]:
    """(kept findings, new RB902/RB903 findings, number suppressed)."""
    by_path: dict[str, list[Suppression]] = {}
    paths = {f.path for f in changes.files} | {f.path for f in findings}
    for path in sorted(paths):
        if texts.holds(path, SUPPRESSION_MARK):
            by_path[path] = parse_suppressions(path, texts.lines(path))
    kept: list[Finding] = []
    suppressed = 0
    for finding in findings:
        match = _matching(by_path.get(finding.path, ()), finding)
        if match is None:
            kept.append(finding)
        else:
            match.used.add(finding.rule)
            suppressed += 1
    meta: list[Finding] = []
    for suppressions in by_path.values():
        for sup in suppressions:
            if not sup.reason:
                meta.append(meta_finding(SUPPRESSION_WITHOUT_REASON, sup.path, "suppression of "
                                         f"{', '.join(sup.codes) or 'nothing'} gives no reason", sup.line))
            for code in sup.codes:
                if code in sup.used or code in (SUPPRESSION_WITHOUT_REASON.code, UNUSED_SUPPRESSION.code):
                    continue
                source = tool_of_code(code, sup.path)
                if source in tools_run:
                    meta.append(meta_finding(UNUSED_SUPPRESSION, sup.path, f"suppression of {code} matches no finding", sup.line))
    return kept, meta, suppressed


def _matching(suppressions: list[Suppression] | tuple[()], finding: Finding) -> Suppression | None:
    for sup in suppressions:
        if finding.span.line in sup.applies_to and finding.rule in sup.codes:
            return sup
    return None
