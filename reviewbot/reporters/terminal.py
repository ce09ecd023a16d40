"""Text output like ruff: `path:line:col: CODE message`, a code frame, help, and the verdict; rendered by rich.

Colour only on a terminal (or with FORCE_COLOR), never with NO_COLOR or when piped. Every piece of text
that comes from outside (reviewed code, file names, tool messages) goes through `escape.printable`, and
code frames show the file with its secrets masked, in colour or not.
"""

from __future__ import annotations

import io
import os
from collections import Counter
from typing import TextIO

from reviewbot.core.findings import Finding, Severity
from reviewbot.reporters.base import ReportInput
from reviewbot.reporters.escape import printable, printable_code

FRAME_CONTEXT_LINES = 1
TAB_WIDTH = 4
SEVERITY_STYLES = {Severity.ERROR: "bold red", Severity.WARNING: "bold yellow", Severity.INFO: "bold blue"}
GUTTER_STYLE = "blue"

# One output line: (text, rich style) pieces. Plain output joins the texts; only colour output builds rich
# Text objects from them (a thousand findings made ten thousand of those for nothing but `.plain`).
Row = tuple[tuple[str, str], ...]


def wants_color(stream: TextIO) -> bool:
    """rich's own decision for `stream`: a terminal, or FORCE_COLOR; never NO_COLOR or TERM=dumb.

    rich (about 20 ms of imports) is asked only when it could say yes: when the stream is a terminal or the
    environment forces one (`TTY_COMPATIBLE=1`, a non-empty `FORCE_COLOR`), as rich's `is_terminal` reads it.
    """
    if os.environ.get("TTY_COMPATIBLE") != "1" and not os.environ.get("FORCE_COLOR") and not _isatty(stream):
        return False
    from rich.console import Console

    console = Console(file=stream)
    return console.is_terminal and console.color_system is not None and not console.no_color


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except ValueError:  # a closed stream (rich answers no as well)
        return False


class TerminalReporter:
    def __init__(self, show_frames: bool = True, color: bool = False) -> None:
        self.show_frames = show_frames
        self.color = color

    def render(self, report: ReportInput) -> str:
        rows: list[Row] = []
        line = rows.append
        shown = report.shown
        # The lines each file's frames show: only those are read with their secrets masked.
        framed: dict[str, set[int]] = {}
        if self.show_frames:
            for finding in shown:
                line_number = finding.span.line
                framed.setdefault(finding.path, set()).update(
                    range(line_number - FRAME_CONTEXT_LINES, line_number + FRAME_CONTEXT_LINES + 1))
        cache: dict[str, list[str]] = {}
        for finding in shown:
            line(_header(finding))
            if self.show_frames:
                lines = cache.get(finding.path)
                if lines is None:
                    lines = cache[finding.path] = report.source_lines(finding.path, framed[finding.path])
                rows.extend(frame_rows(lines, finding))
            line(_status(finding))
            for number, help_line in enumerate(finding.help.splitlines() if finding.help else ()):
                label = "  = help: " if number == 0 else "          "
                line(((label, "cyan" if number == 0 else ""), (printable(help_line), "")))
            if finding.tool == "reviewbot" or finding.rule in report.rules:
                line((("  = see: ", "cyan"), (f"reviewbot explain {printable(finding.rule)}", "")))
            line(())
        for note in report.notes:
            line((("note: ", "bold"), (printable(note), "")))
        line(((summary_line(report), "bold"),))
        line(((printable(report.verdict.reason), "bold green" if report.verdict.passed else "bold red"),))
        if not self.color:
            # Every row is one line without tabs or controls (escaped above), so without colour rich would
            # print each one's plain text; a thousand findings cost rich seconds, this nothing (issue #18).
            return "".join(_plain(row) + "\n" for row in rows)
        from rich.console import Console
        from rich.text import Text

        out = io.StringIO()
        console = Console(
            file=out, force_terminal=True, no_color=False, color_system="standard", highlight=False,
            markup=False, emoji=False, width=200, legacy_windows=False,
        )
        # One print of every row joined: rich's per-call overhead once, not per line.
        text = Text("\n").join(Text.assemble(*row) for row in rows)
        console.print(text, soft_wrap=True, crop=False, overflow="ignore", no_wrap=True)
        return out.getvalue()


def _header(finding: Finding) -> Row:
    span = finding.span
    return (
        (printable(finding.path), "bold"),
        (f":{span.line}:{span.column}: ", ""),
        (printable(finding.rule), SEVERITY_STYLES[finding.severity]),
        (" ", ""),
        (printable(finding.message), ""),
    )


def _status(finding: Finding) -> Row:
    """`= error, high confidence, blocks the gate`: what the finding is and what it does to the gate."""
    row: Row = (("  = ", "cyan"), (finding.severity.value, SEVERITY_STYLES[finding.severity]),
                (f", {finding.confidence.value} confidence", ""))
    return (*row, (", blocks the gate", "bold")) if finding.blocking else row


def display(text: str) -> str:
    """What a line of code looks like in a frame: controls escaped, tabs expanded."""
    return printable_code(text).expandtabs(TAB_WIDTH)


def frame_rows(lines: list[str], finding: Finding) -> list[Row]:
    """The code frame: a line of context either side, carets under the span in display cells."""
    line = finding.span.line
    if not lines or line > len(lines):
        return []
    start = max(1, line - FRAME_CONTEXT_LINES)
    end = min(len(lines), line + FRAME_CONTEXT_LINES)
    width = len(str(end))
    gutter = f"  {' ' * width} |"
    rows: list[Row] = [((gutter, GUTTER_STYLE),)]
    for number in range(start, end + 1):
        raw = lines[number - 1].rstrip("\r")
        rows.append(((f"  {number:>{width}} |", GUTTER_STYLE), (" " + display(raw), "")))
        if number == line:
            offset, length = caret_cells(raw, finding)
            rows.append(((gutter, GUTTER_STYLE), (" " + " " * offset, ""),
                         ("^" * length, SEVERITY_STYLES[finding.severity])))
    return rows


def caret_cells(raw: str, finding: Finding) -> tuple[int, int]:
    """(cells before the span, cells under it) on the displayed line: tabs, escapes and wide characters counted."""
    col = min(max(finding.span.column, 1), len(raw) + 1)
    if finding.span.end_line == finding.span.line and finding.span.end_column > col:
        end = min(finding.span.end_column, len(raw) + 1)
    else:
        end = len(raw.rstrip()) + 1
    from rich.cells import cell_len

    before = cell_len(display(raw[: col - 1]))
    under = cell_len(display(raw[: max(end, col) - 1])) - before
    return before, max(1, under)


def code_frame(lines: list[str], finding: Finding) -> list[str]:
    """The code frame as plain lines (the review preview prints it between comments)."""
    return [_plain(row) for row in frame_rows(lines, finding)]


def _plain(row: Row) -> str:
    return "".join(piece for piece, _ in row)


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
    baselined = report.stats.get("baselined", 0)
    if isinstance(baselined, int) and baselined:
        known = "known finding" if baselined == 1 else "known findings"
        text += f"; {baselined} {known} in the baseline (--no-baseline shows them)"
    skipped = report.stats.get("skipped")
    if isinstance(skipped, dict) and skipped:
        text += "; skipped " + ", ".join(f"{n} {reason}" for reason, n in sorted(skipped.items()))
    return text + "."
