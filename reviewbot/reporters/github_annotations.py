"""`--format github`: workflow-command annotations (`::error file=…,line=…::…`) for any CI step."""

from __future__ import annotations

from reviewbot.core.findings import Finding, Severity
from reviewbot.reporters.base import ReportInput
from reviewbot.reporters.escape import printable

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    # GitHub's workflow-command escaping: data escapes %, CR, LF; properties also : and ,. Other
    # controls (an escape sequence from the reviewed code) are shown escaped: the log viewer renders ANSI.
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return printable(text)


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding, title: str) -> str:
    span = finding.span
    props = [
        f"file={escape_property(finding.path)}",
        f"line={span.line}",
        f"endLine={span.end_line}",
        f"col={span.column}",
        f"title={escape_property(title)}",
    ]
    return f"::{LEVELS[finding.severity]} {','.join(props)}::{escape_data(finding.message)}"


class GithubAnnotationReporter:
    def render(self, report: ReportInput) -> str:
        lines = []
        for finding in report.shown:
            rule = report.rules.get(finding.rule)
            title = f"{finding.rule} {rule.name}" if rule else f"{finding.rule} ({finding.tool})"
            lines.append(annotation(finding, title))
        lines.append(f"::notice title=reviewbot::{escape_data(report.verdict.reason)}")
        return "\n".join(lines) + "\n"
