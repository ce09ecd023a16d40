"""The semgrep analyzer: reviewbot's TypeScript/Go pack, run by an isolated semgrep install."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from reviewbot.analyzers.base import AnalyzerResult, Progress
from reviewbot.analyzers.tools.pack import PackRule, pack_dir, rules_by_id
from reviewbot.analyzers.tools.process import quote_line, relative_path, run_tool, unsaved_texts
from reviewbot.config import Config
from reviewbot.core.changes import ChangeSet
from reviewbot.core.findings import Finding, Severity, Span
from reviewbot.core.meta import TOOL_OUTPUT, meta_finding
from reviewbot.core.rules import Family
from reviewbot.errors import ToolError

SEMGREP_ENV_VAR = "REVIEWBOT_SEMGREP"
# The pack's languages; semgrep picks the parser from the extension of an explicit target.
SEMGREP_SUFFIXES = (".ts", ".tsx", ".mts", ".cts", ".go")
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
    raise ToolError("semgrep is not installed (needed for the TypeScript/Go rule pack)", hint=INSTALL_HINT)


class SemgrepAnalyzer:
    """Runs the pack on the TypeScript and Go files of the change set."""

    name = "semgrep"

    def analyze(self, changes: ChangeSet, config: Config, progress: Progress) -> AnalyzerResult:
        started = time.perf_counter()
        files = list(changes.with_suffix(SEMGREP_SUFFIXES))
        if not files:
            return AnalyzerResult(self.name, (), time.perf_counter() - started, 0)
        command = find_semgrep(config)
        directory = pack_dir()
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
                *command, "scan", "--config", str(directory), "--json", "--quiet",
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
            f for f in one_per_line(to_findings(report, by_target, changes.root, rules_by_id(), config))
            if _is_wanted(f, config)
        ]
        unscanned = _unscanned(report, by_target, changes.root)
        notes = tuple(f"semgrep did not scan {p}" for p in unscanned)
        findings.extend(
            meta_finding(TOOL_OUTPUT, p, "semgrep skipped this file, so the pack did not check it", tool="semgrep")
            for p in unscanned
        )
        return AnalyzerResult(self.name, tuple(findings), time.perf_counter() - started, len(files), notes)


def _is_wanted(finding: Finding, config: Config) -> bool:
    if finding.rule == TOOL_OUTPUT.code:
        return True
    if config.test_policy == "relaxed" and config.is_test_path(finding.path):
        return False  # like our Python rules: the pack has no security rules that run on tests
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


def to_findings(
    report: SemgrepReport,
    targets: Mapping[str, str],
    root: str,
    rules: Mapping[str, PackRule],
    config: Config,
) -> list[Finding]:
    """Pack results become findings under the rule's RB code; target errors become RB904."""
    findings: list[Finding] = []
    for result in report.results:
        path = _repo_path(str(result.get("path", "")), targets, root)
        extra = result.get("extra")
        extra = extra if isinstance(extra, dict) else {}
        # check_id is prefixed with the pack's directories ("work.main.rules.money.x"): keep the id.
        rule_id = str(result.get("check_id", "")).rsplit(".", 1)[-1]
        pack_rule = rules.get(rule_id)
        meta = extra.get("metadata")
        meta = meta if isinstance(meta, dict) else {}
        code = pack_rule.info.code if pack_rule else str(meta.get("code", rule_id))
        family = pack_rule.info.family.value if pack_rule else str(meta.get("family", Family.LINT.value))
        default = pack_rule.info.severity if pack_rule else Severity.ERROR
        line, col = _position(result.get("start"))
        end_line, end_col = _position(result.get("end"))
        message = " ".join(str(extra.get("message", rule_id)).split()).rstrip(".")
        findings.append(
            Finding(
                rule=code, family=family, severity=config.severity_for(code, default), path=path,
                span=Span(line, col, end_line, end_col), message=message,
                help=pack_rule.info.help if pack_rule else str(meta.get("help", "")), tool="semgrep",
            )
        )
    for error in report.errors:
        where = error.get("path")
        if not isinstance(where, str):
            continue
        first_line = quote_line(" ".join(str(error.get("message", "")).split()))
        spans = _list(error.get("spans"))
        line = _position(spans[0].get("start") if spans and isinstance(spans[0], dict) else None)[0]
        findings.append(
            meta_finding(
                TOOL_OUTPUT, _repo_path(where, targets, root),
                f"semgrep could not fully check this file: {error.get('type', 'error')}: {first_line}",
                line, tool="semgrep",
            )
        )
    return findings


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


def _unscanned(report: SemgrepReport, targets: Mapping[str, str], root: str) -> list[str]:
    scanned = {_repo_path(p, targets, root) for p in report.scanned}
    errored = {_repo_path(str(e["path"]), targets, root) for e in report.errors if isinstance(e.get("path"), str)}
    return sorted(set(targets.values()) - scanned - errored)


def semgrep_test_argv(command: Sequence[str], directory: Path) -> list[str]:
    """`semgrep --test` over the pack: its ruleid:/ok: annotations are the pack's tests."""
    return [*command, "--test", "--metrics=off", "--disable-version-check", str(directory)]
