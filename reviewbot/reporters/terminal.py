"""Text output like ruff: `path:line:col: CODE message`, help, a code frame, and the verdict."""

from __future__ import annotations

from collections import Counter

from reviewbot.core.findings import Finding
from reviewbot.reporters.base import ReportInput

FRAME_CONTEXT_LINES = 1


class TerminalReporter:
    def __init__(self, show_frames: bool = True) -> None:
        self.show_frames = show_frames

    def render(self, report: ReportInput) -> str:
        out: list[str] = []
        cache: dict[str, list[str]] = {}
        for finding in report.shown:
            out.append(f"{finding.path}:{finding.span.line}:{finding.span.column}: {finding.rule} {finding.message}")
            if self.show_frames:
                lines = cache.setdefault(finding.path, report.source_lines(finding.path))
                out.extend(code_frame(lines, finding))
            if finding.help:
                out.append(f"  = help: {finding.help}")
            if finding.tool == "reviewbot" or finding.rule in report.rules:
                out.append(f"  = see: reviewbot explain {finding.rule}")
            out.append("")
        for note in report.notes:
            out.append(f"note: {note}")
        out.append(summary_line(report))
        out.append(report.verdict.reason)
        return "\n".join(out) + "\n"


def code_frame(lines: list[str], finding: Finding) -> list[str]:
    line = finding.span.line
    if not lines or line > len(lines):
        return []
    start = max(1, line - FRAME_CONTEXT_LINES)
    end = min(len(lines), line + FRAME_CONTEXT_LINES)
    width = len(str(end))
    frame = [f"  {' ' * width} |"]
    for number in range(start, end + 1):
        text = lines[number - 1].rstrip("\r").expandtabs(4)
        frame.append(f"  {number:>{width}} | {text}")
        if number == line:
            col = max(finding.span.column, 1)
            if finding.span.end_line == line and finding.span.end_column > col:
                length = finding.span.end_column - col
            else:
                length = max(1, len(text.rstrip()) - col + 1)
            frame.append(f"  {' ' * width} | {' ' * (col - 1)}{'^' * max(1, length)}")
    return frame


def summary_line(report: ReportInput) -> str:
    shown = report.shown
    counts = Counter(f.severity.value for f in shown)
    parts = [f"{counts[s]} {s}{'s' if counts[s] != 1 else ''}" for s in ("error", "warning", "info") if counts[s]]
    files = report.stats.get("files", 0)
    noun = "finding" if len(shown) == 1 else "findings"
    file_noun = "file" if files == 1 else "files"
    text = f"Found {len(shown)} {noun}" + (f" ({', '.join(parts)})" if parts else "") + f" in {files} {file_noun}"
    hidden = len(report.hidden)
    if hidden:
        text += f"; {hidden} outside the diff not shown"
    skipped = report.stats.get("skipped")
    if isinstance(skipped, dict) and skipped:
        text += "; skipped " + ", ".join(f"{n} {reason}" for reason, n in sorted(skipped.items()))
    return text + "."
