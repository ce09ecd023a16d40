"""`--format json`: exactly DESIGN.md's contract, schema reviewbot/1."""

from __future__ import annotations

import json

from reviewbot.core.findings import Finding
from reviewbot.reporters.base import ReportInput
from reviewbot.reporters.escape import json_safe

SCHEMA = "reviewbot/1"


def finding_json(finding: Finding) -> dict[str, object]:
    return {
        "rule": finding.rule,
        "family": finding.family,
        "severity": finding.severity.value,
        "path": finding.path,
        "line": finding.span.line,
        "end_line": finding.span.end_line,
        "column": finding.span.column,
        "message": finding.message,
        "tool": finding.tool,
        "confidence": finding.confidence.value,
        "fingerprint": finding.fingerprint,
    }


class JsonReporter:
    def render(self, report: ReportInput) -> str:
        stats = dict(report.stats)
        stats["reason"] = report.verdict.reason
        document = {
            "schema": SCHEMA,
            "verdict": report.verdict.outcome.value,
            "findings": [finding_json(f) for f in report.shown],
            "stats": stats,
        }
        # C1 controls and bidi overrides as \u escapes: the file is safe to `cat` (escape.py).
        return json_safe(json.dumps(document, indent=2, ensure_ascii=False)) + "\n"
