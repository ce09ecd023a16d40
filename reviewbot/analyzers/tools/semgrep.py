"""The semgrep analyzer: the users' own semgrep configs, run by an isolated semgrep install.

reviewbot's built-in TypeScript and Go rules run in process (analyzers/typescript, analyzers/go);
semgrep is the extension point for rules a team writes itself (`[tool.reviewbot.semgrep] configs`).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from reviewbot.analyzers.base import AnalyzerResult, Progress
from reviewbot.analyzers.tools.process import quote_line, relative_path, run_tool, unsaved_texts
from reviewbot.config import Config
from reviewbot.core.changes import ChangeSet
from reviewbot.core.findings import Confidence, Finding, Severity, Span
from reviewbot.core.rules import Family
from reviewbot.errors import ConfigError, ToolError

SEMGREP_ENV_VAR = "REVIEWBOT_SEMGREP"
INSTALL_HINT = (
    "install semgrep in its own virtualenv (it pins click and other libraries): "
    "python3 -m venv ~/.semgrep && ~/.semgrep/bin/pip install semgrep, then set "
    f"{SEMGREP_ENV_VAR}=~/.semgrep/bin/semgrep or [tool.reviewbot.semgrep] command"
)
# Documented exit codes (semgrep.dev/docs/cli-reference#exit-codes): 0 ran (findings or not),
# 1 findings with --error (not used here); 2 and above: semgrep itself failed (2 fatal,
# 3 target syntax under --strict, 4 bad pattern, 5 bad YAML, 7 no rules, 8 bad language...).
SEMGREP_OK_EXIT_CODES = (0, 1)
NO_NETWORK_ENV = {"SEMGREP_SEND_METRICS": "off", "SEMGREP_ENABLE_VERSION_CHECK": "0"}
# semgrep rule severities -> ours (newer schemas also use CRITICAL/HIGH/MEDIUM/LOW).
_SEVERITIES = {
    "ERROR": Severity.ERROR, "CRITICAL": Severity.ERROR, "HIGH": Severity.ERROR,
    "WARNING": Severity.WARNING, "MEDIUM": Severity.WARNING, "INFO": Severity.INFO, "LOW": Severity.INFO,
}


def find_semgrep(config: Config) -> list[str]:
    """[tool.reviewbot.semgrep] command, else $REVIEWBOT_SEMGREP, else `semgrep` on PATH."""
    if config.semgrep.command:
        return [os.path.expanduser(config.semgrep.command)]
    from_env = os.environ.get(SEMGREP_ENV_VAR, "").strip()
    if from_env:
        # A relative path is the user's, from where reviewbot was started: semgrep runs in the root.
        path = os.path.expanduser(from_env)
        return [os.path.abspath(path) if "/" in path else path]
    on_path = shutil.which("semgrep")
    if on_path:
        return [on_path]
    raise ToolError("semgrep is not installed (needed for the configs in [tool.reviewbot.semgrep])", hint=INSTALL_HINT)


def config_arguments(config: Config) -> list[str]:
    """`--config X` for each configured config; a config path is relative to the repository root."""
    if not config.semgrep.configs:
        raise ConfigError(
            "semgrep is in tools but [tool.reviewbot.semgrep] configs is empty",
            hint='add your rules: configs = ["semgrep/payments.yml"] (reviewbot\'s own TypeScript and Go rules '
            "run without semgrep)",
        )
    argv: list[str] = []
    for entry in config.semgrep.configs:
        argv += ["--config", entry]
    return argv


class SemgrepAnalyzer:
    """Runs the configured semgrep rules on every file of the change set."""

    name = "semgrep"

    def analyze(self, changes: ChangeSet, config: Config, progress: Progress) -> AnalyzerResult:
        started = time.perf_counter()
        files = list(changes.files)
        if not files:
            return AnalyzerResult(self.name, (), time.perf_counter() - started, 0)
        configs = config_arguments(config)
        command = find_semgrep(config)
        shadow = unsaved_texts(changes.root, files)
        with tempfile.TemporaryDirectory(prefix="reviewbot-semgrep-") as tmp:
            targets: dict[str, str] = {}  # target as passed -> repository path
            for change in files:
                if change.path in shadow:
                    copy = Path(tmp) / change.path
                    copy.parent.mkdir(parents=True, exist_ok=True)
                    copy.write_text(shadow[change.path], encoding="utf-8")
                    targets[str(copy)] = change.path
                else:
                    targets[change.path if not change.path.startswith("-") else f"./{change.path}"] = change.path
            argv = [
                *command, "scan", *configs, "--json", "--quiet",
                "--metrics=off", "--disable-version-check", "--oss-only",
                # We pass every target explicitly; git must not filter them again.
                "--no-git-ignore",
                *config.semgrep.args,
                *targets,
            ]
            run = run_tool(
                "semgrep", argv, cwd=changes.root, timeout_seconds=config.tool_timeout_seconds,
                install_hint=INSTALL_HINT, env=NO_NETWORK_ENV,
            )
        progress.advance("semgrep", len(files), len(files))
        report = parse_semgrep_json(run.stdout, run.exit_code, run.stderr)
        by_target = {relative_path(k, changes.root): v for k, v in targets.items()}
        findings = [
            f for f in one_per_line(to_findings(report, by_target, changes.root, config)) if _is_wanted(f, config)
        ]
        troubled = target_errors(report, by_target, changes.root)
        notes = tuple(f"semgrep could not check {path}: {why}" for path, why in sorted(troubled.items()))
        scanned = {_repo_path(p, by_target, changes.root) for p in report.scanned} - set(troubled)
        return AnalyzerResult(
            self.name, tuple(findings), time.perf_counter() - started, len(files), notes, read=tuple(sorted(scanned))
        )


def _is_wanted(finding: Finding, config: Config) -> bool:
    return config.is_selected(finding.rule, finding.family, finding.path)


# ------------------------------------------------------------------ JSON -> typed


@dataclass(frozen=True, slots=True)
class SemgrepReport:
    """The parts of semgrep's --json output reviewbot reads: results, errors, scanned paths."""

    results: tuple[Mapping[str, object], ...]
    errors: tuple[Mapping[str, object], ...]
    scanned: tuple[str, ...]


def parse_semgrep_json(stdout: str, exit_code: int, stderr: str = "") -> SemgrepReport:
    """Decode semgrep's JSON; a failed run (exit >= 2, rule errors, no JSON) is a ToolError."""
    try:
        data = json.loads(stdout) if stdout.strip() else None
    except json.JSONDecodeError:
        data = None
    if not isinstance(data, dict):
        last = quote_line((stderr or stdout).strip().splitlines()[-1]) if (stderr or stdout).strip() else ""
        raise ToolError(
            f"semgrep exited with status {exit_code} without JSON output" + (f": {last}" if last else ""),
            hint=INSTALL_HINT if exit_code in (126, 127) else "run the semgrep command by hand to see its error",
        )
    results: tuple[Mapping[str, object], ...] = tuple(
        r for r in _list(data.get("results")) if isinstance(r, dict)
    )
    errors: tuple[Mapping[str, object], ...] = tuple(e for e in _list(data.get("errors")) if isinstance(e, dict))
    paths = data.get("paths")
    scanned = tuple(str(p) for p in _list(paths.get("scanned"))) if isinstance(paths, dict) else ()
    # Errors not tied to a target (a broken rule, a bad option) mean nothing was checked.
    fatal = [e for e in errors if not isinstance(e.get("path"), str) and e.get("level") != "warn"]
    if exit_code not in SEMGREP_OK_EXIT_CODES or fatal:
        first = fatal[0] if fatal else (errors[0] if errors else {})
        message = quote_line(str(first.get("message", "")).splitlines()[0]) if first else "no message"
        raise ToolError(
            f"semgrep failed (exit status {exit_code}): {message}",
            hint="check [tool.reviewbot.semgrep] args and the semgrep version (semgrep --version)",
        )
    return SemgrepReport(results, errors, scanned)


def _list(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else []


def _position(value: object) -> tuple[int, int]:
    if isinstance(value, dict):
        line, col = value.get("line"), value.get("col")
        if isinstance(line, int) and isinstance(col, int):
            return line, col
    return 1, 1


def to_findings(report: SemgrepReport, targets: Mapping[str, str], root: str, config: Config) -> list[Finding]:
    """Results become findings under the rule's `metadata.code` (else its id), family and confidence."""
    findings: list[Finding] = []
    for result in report.results:
        path = _repo_path(str(result.get("path", "")), targets, root)
        extra = result.get("extra")
        extra = extra if isinstance(extra, dict) else {}
        # check_id is prefixed with the config's directories ("semgrep.payments.rule-id"): keep the id.
        rule_id = str(result.get("check_id", "")).rsplit(".", 1)[-1]
        meta = extra.get("metadata")
        meta = meta if isinstance(meta, dict) else {}
        code = str(meta.get("code") or rule_id)
        family = _family(meta.get("family"))
        default = _SEVERITIES.get(str(extra.get("severity", "ERROR")).upper(), Severity.ERROR)
        line, col = _position(result.get("start"))
        end_line, end_col = _position(result.get("end"))
        message = " ".join(str(extra.get("message", rule_id)).split()).rstrip(".")
        findings.append(
            Finding(
                rule=code, family=family, severity=config.severity_for(code, default), path=path,
                span=Span(line, col, end_line, end_col), message=message,
                help=str(meta.get("help", "")), tool="semgrep", confidence=_confidence(meta.get("confidence")),
            )
        )
    return findings


def _family(value: object) -> str:
    try:
        return Family(str(value).lower()).value
    except ValueError:
        return Family.LINT.value


def _confidence(value: object) -> Confidence:
    """semgrep's `metadata.confidence` (HIGH/MEDIUM/LOW); a team's own rule is trusted when it says nothing."""
    try:
        return Confidence(str(value).lower())
    except ValueError:
        return Confidence.HIGH


def target_errors(report: SemgrepReport, targets: Mapping[str, str], root: str) -> dict[str, str]:
    """Files semgrep could not fully check (a per-file time-out, a parse error, a crash) -> why.

    These are warnings, never findings: a time-out on a generated file comes and goes with the
    machine's load, and must not decide a verdict."""
    out: dict[str, str] = {}
    for error in report.errors:
        where = error.get("path")
        if not isinstance(where, str):
            continue
        why = quote_line(" ".join(str(error.get("message", "")).split()))[:160]
        raw_kind = error.get("type", "error")
        # semgrep gives some types as [name, spans] (["PartialParsing", [...]]).
        kind = str(raw_kind[0] if isinstance(raw_kind, list) and raw_kind else raw_kind)
        out.setdefault(_repo_path(where, targets, root), f"{kind}: {why}" if why else kind)
    return out


def one_per_line(findings: list[Finding]) -> list[Finding]:
    """One finding per rule and line: nested matches (Math.round(parseFloat(x) * 100)) are one defect."""
    widest: dict[tuple[str, str, int], Finding] = {}
    for finding in findings:
        key = (finding.path, finding.rule, finding.span.line)
        kept = widest.get(key)
        span = finding.span
        if kept is None or (span.end_line, span.end_column) > (kept.span.end_line, kept.span.end_column):
            widest[key] = finding
    return list(widest.values())


def _repo_path(path: str, targets: Mapping[str, str], root: str) -> str:
    rel = relative_path(path, root)
    return targets.get(rel, targets.get(path, rel))
