"""The ruff analyzer: the repository's own ruff config, plus the codes the payment rules rely on."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass

from reviewbot.analyzers.base import AnalyzerResult, Progress
from reviewbot.analyzers.tools.process import (
    find_executable,
    quote_line,
    relative_path,
    run_tool,
    unsaved_texts,
)
from reviewbot.config import Config
from reviewbot.core.changes import ChangeSet
from reviewbot.core.findings import Finding, Severity, Span
from reviewbot.core.meta import TOOL_OUTPUT, meta_finding
from reviewbot.core.rules import Family
from reviewbot.errors import ToolError

INSTALL_HINT = "pip install ruff (into reviewbot's environment), or set [tool.reviewbot.ruff] command"
RUFF_SUFFIXES = (".py", ".pyi")


@dataclass(frozen=True, slots=True)
class PaymentCode:
    """A ruff code reviewbot adds to the repository's selection, and how it is judged."""

    family: Family
    severity: Severity


# Added with --extend-select whatever the repository selects. Errors: each one is a defect that
# hides a failed money movement or loses cents. BLE001 is a warning: it also flags correct
# handlers that report through Sentry (see research/payment-rules.md §1.1).
PAYMENT_CODES: dict[str, PaymentCode] = {
    "E722": PaymentCode(Family.EXCEPTIONS, Severity.ERROR),  # bare except
    "S110": PaymentCode(Family.EXCEPTIONS, Severity.ERROR),  # try-except-pass
    "S112": PaymentCode(Family.EXCEPTIONS, Severity.ERROR),  # try-except-continue
    "BLE001": PaymentCode(Family.EXCEPTIONS, Severity.WARNING),  # blind except
    "B012": PaymentCode(Family.EXCEPTIONS, Severity.ERROR),  # return/break/continue in finally
    "RUF032": PaymentCode(Family.MONEY, Severity.ERROR),  # Decimal(<float literal>)
}
# Everything else the repository selects is lint: reported, not gating unless configured
# ([tool.reviewbot.severity] F401 = "error").
LINT_SEVERITY = Severity.WARNING

# Documented exit codes (docs.astral.sh/ruff/linter/#exit-codes): 0 no violations, 1 violations
# found, 2 abnormal termination (invalid configuration or options, internal error).
RUFF_OK_EXIT_CODES = (0, 1)


def find_ruff(config: Config) -> list[str]:
    """[tool.reviewbot.ruff] command, else the ruff beside this Python, else PATH, else `python -m ruff`."""
    found = find_executable("ruff", config.ruff.command)
    return found if found is not None else [sys.executable, "-m", "ruff"]


def ruff_argv(command: list[str], config: Config) -> list[str]:
    return [
        *command, "check", "--output-format", "json", "--no-fix",
        # Honour the repository's `exclude` even for files named on the command line.
        "--force-exclude",
        "--extend-select", ",".join(PAYMENT_CODES),
        *config.ruff.args,
    ]


class RuffAnalyzer:
    """ruff on the Python files of the change set."""

    name = "ruff"

    def analyze(self, changes: ChangeSet, config: Config, progress: Progress) -> AnalyzerResult:
        started = time.perf_counter()
        files = list(changes.with_suffix(RUFF_SUFFIXES))
        if not files:
            return AnalyzerResult(self.name, (), time.perf_counter() - started, 0)
        base = ruff_argv(find_ruff(config), config)
        shadow = unsaved_texts(changes.root, files)
        findings: list[Finding] = []
        on_disk = [f.path for f in files if f.path not in shadow]
        if on_disk:
            findings.extend(self._run([*base, "--", *on_disk], changes.root, config, None))
        for path, text in sorted(shadow.items()):
            # Staged or patched text: ruff reads it from stdin, resolving config from the path.
            findings.extend(self._run([*base, "--stdin-filename", path, "-"], changes.root, config, text))
        progress.advance("ruff", len(files), len(files))
        return AnalyzerResult(
            self.name, tuple(findings), time.perf_counter() - started, len(files), read=tuple(f.path for f in files)
        )

    def _run(self, argv: list[str], root: str, config: Config, stdin: str | None) -> list[Finding]:
        run = run_tool(
            "ruff", argv, cwd=root, timeout_seconds=config.tool_timeout_seconds,
            install_hint=INSTALL_HINT, stdin=stdin,
        )
        if run.exit_code not in RUFF_OK_EXIT_CODES:
            detail = quote_line(run.stderr.strip().splitlines()[-1]) if run.stderr.strip() else ""
            if "No module named ruff" in run.stderr:
                raise ToolError("ruff is not installed in this Python", hint=INSTALL_HINT)
            raise ToolError(
                f"ruff failed (exit status {run.exit_code})" + (f": {detail}" if detail else ""),
                hint="check the repository's ruff configuration and [tool.reviewbot.ruff] args",
            )
        return parse_ruff_json(run.stdout, root, config)


def parse_ruff_json(stdout: str, root: str, config: Config) -> list[Finding]:
    """ruff's JSON list -> findings; output that is not that list becomes one RB904 finding."""
    try:
        data = json.loads(stdout) if stdout.strip() else []
    except json.JSONDecodeError:
        data = None
    if not isinstance(data, list):
        return [_unreadable(stdout)]
    findings: list[Finding] = []
    for item in data:
        if not isinstance(item, dict):
            findings.append(_unreadable(json.dumps(item)))
            continue
        findings.append(_finding(item, root, config))
    return findings


def _finding(item: Mapping[str, object], root: str, config: Config) -> Finding:
    code = str(item.get("code") or "ruff")
    payment = PAYMENT_CODES.get(code)
    family = payment.family.value if payment else Family.LINT.value
    default = payment.severity if payment else LINT_SEVERITY
    if code == "invalid-syntax":
        default = Severity.ERROR  # the file was not linted at all
    start, end = item.get("location"), item.get("end_location")
    line, col = _row_col(start)
    end_line, end_col = _row_col(end)
    url = item.get("url")
    return Finding(
        rule=code,
        family=family,
        severity=config.severity_for(code, default),
        path=relative_path(str(item.get("filename", "")), root),
        span=Span(line, col, end_line, end_col),
        message=" ".join(str(item.get("message", "")).split()).rstrip("."),
        help=f"see {url}" if isinstance(url, str) else "",
        tool="ruff",
    )


def _row_col(value: object) -> tuple[int, int]:
    if isinstance(value, dict):
        row, col = value.get("row"), value.get("column")
        if isinstance(row, int) and isinstance(col, int):
            return max(row, 1), max(col, 1)
    return 1, 1


def _unreadable(text: str) -> Finding:
    first = next((line for line in text.splitlines() if line.strip()), text)
    return meta_finding(TOOL_OUTPUT, ".", f"ruff printed output reviewbot cannot read: {quote_line(first)}", tool="ruff")
