"""`--format sarif`: SARIF 2.1.0 for code scanning, with rule metadata and help from the rules."""

from __future__ import annotations

import json

from reviewbot import __version__
from reviewbot.core.findings import Finding, Severity
from reviewbot.core.rules import RuleInfo
from reviewbot.reporters.base import ReportInput

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
INFORMATION_URI = "https://github.com/reviewbot/reviewbot"


def _rule_entry(code: str, rule: RuleInfo | None, help_md: str, tool: str) -> dict[str, object]:
    if rule is None:
        return {
            "id": code,
            "name": code,
            "shortDescription": {"text": f"{tool} {code}"},
            "properties": {"tool": tool},
        }
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.rationale},
        "help": {"text": f"{rule.summary} {rule.help}", "markdown": help_md or rule.help},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"family": rule.family.value, "tags": [rule.family.value, "payments"], "tool": rule.tool},
    }


def _result(finding: Finding, index: int) -> dict[str, object]:
    span = finding.span
    region: dict[str, int] = {"startLine": span.line, "startColumn": max(span.column, 1), "endLine": span.end_line}
    if span.end_column > 0 and (span.end_line > span.line or span.end_column > span.column):
        region["endColumn"] = span.end_column
    result: dict[str, object] = {
        "ruleId": finding.rule,
        "ruleIndex": index,
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": finding.path, "uriBaseId": "%SRCROOT%"},
                    "region": region,
                }
            }
        ],
        "partialFingerprints": {"reviewbot/v1": finding.fingerprint},
        "properties": {
            "family": finding.family,
            "tool": finding.tool,
            "blocking": finding.blocking,
            "confidence": finding.confidence.value,
        },
    }
    if finding.fix is not None:
        fix_span = finding.fix.span
        result["fixes"] = [
            {
                "description": {"text": "safe fix" if finding.fix.safe else "suggested fix (review before applying)"},
                "artifactChanges": [
                    {
                        "artifactLocation": {"uri": finding.path, "uriBaseId": "%SRCROOT%"},
                        "replacements": [
                            {
                                "deletedRegion": {
                                    "startLine": fix_span.line,
                                    "startColumn": fix_span.column,
                                    "endLine": fix_span.end_line,
                                    "endColumn": max(fix_span.end_column, 1),
                                },
                                "insertedContent": {"text": finding.fix.replacement},
                            }
                        ],
                    }
                ],
            }
        ]
    return result


class SarifReporter:
    def render(self, report: ReportInput) -> str:
        shown = report.shown
        codes: list[str] = []
        tools: dict[str, str] = {}
        for finding in shown:
            if finding.rule not in tools:
                codes.append(finding.rule)
                tools[finding.rule] = finding.tool
        codes.sort()
        index = {code: i for i, code in enumerate(codes)}
        rules = [_rule_entry(c, report.rules.get(c), report.rule_help.get(c, ""), tools[c]) for c in codes]
        document = {
            "$schema": SARIF_SCHEMA,
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": "reviewbot",
                            "version": __version__,
                            "informationUri": INFORMATION_URI,
                            "rules": rules,
                        }
                    },
                    "originalUriBaseIds": {"%SRCROOT%": {"uri": "file:///" + report.changes.root.lstrip("/") + "/"}},
                    "results": [_result(f, index[f.rule]) for f in shown],
                    "properties": {"verdict": report.verdict.outcome.value, "reason": report.verdict.reason},
                }
            ],
        }
        return json.dumps(document, indent=2) + "\n"
