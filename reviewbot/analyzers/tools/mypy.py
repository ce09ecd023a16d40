"""The mypy analyzer: the type-check gate, run by the user's Python with the repository's config."""

from __future__ import annotations

import configparser
import json
import re
import sys
import tempfile
import time
import tomllib
from collections.abc import Mapping
from pathlib import Path

from reviewbot.analyzers.base import AnalyzerResult, Progress
from reviewbot.analyzers.tools.process import quote_line, relative_path, run_tool, unsaved_texts
from reviewbot.config import Config
from reviewbot.core.changes import ChangeSet
from reviewbot.core.findings import Finding, Severity, Span
from reviewbot.core.meta import TOOL_OUTPUT, meta_finding
from reviewbot.core.rules import Family
from reviewbot.errors import ToolError

MYPY_SUFFIXES = (".py", ".pyi")
# For a repository without any mypy configuration: third-party packages without stubs must not
# flood the gate, and the bodies of unannotated functions are still checked.
DEFAULT_ARGS = ("--ignore-missing-imports", "--check-untyped-defs")
# Documented exit codes (mypy's main: 0 clean, 1 type errors reported, 2 blocking error: a file
# that cannot be read, bad options, a crash). Syntax errors come as JSON with status 2.
MYPY_OK_EXIT_CODES = (0, 1, 2)
_PLAIN_LINE_RE = re.compile(r"^(?P<path>[^:\s][^:]*?\.(?:pyi?|ini|cfg|toml)):(?:(?P<line>\d+):)?(?:\d+:)?\s*(?P<message>.*)$")


def install_hint(python: str) -> str:
    return f"{python} -m pip install mypy (into the environment that has your project's dependencies)"


def has_mypy_config(root: Path) -> bool:
    """Whether mypy will find a configuration of its own at the repository root."""
    if (root / "mypy.ini").is_file() or (root / ".mypy.ini").is_file():
        return True
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        try:
            tool = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {})
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            return False  # mypy will report the broken file itself
        if isinstance(tool, dict) and "mypy" in tool:
            return True
    setup_cfg = root / "setup.cfg"
    if setup_cfg.is_file():
        parser = configparser.ConfigParser()
        try:
            parser.read(setup_cfg, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError):
            return False
        return parser.has_section("mypy")
    return False


def mypy_argv(config: Config, root: Path) -> list[str]:
    python = config.mypy.python or sys.executable
    cache = Path(config.mypy.cache_dir)
    cache_dir = cache if cache.is_absolute() else root / cache
    argv = [
        python, "-m", "mypy", "--output", "json", "--no-error-summary", "--no-color-output",
        "--cache-dir", str(cache_dir),
    ]
    if not has_mypy_config(root):
        argv.extend(DEFAULT_ARGS)
    argv.extend(config.mypy.args)
    return argv


class MypyAnalyzer:
    """mypy over the Python files of the change set (audit: the targets; diff: the changed files)."""

    name = "mypy"

    def analyze(self, changes: ChangeSet, config: Config, progress: Progress) -> AnalyzerResult:
        started = time.perf_counter()
        files = [f.path for f in changes.with_suffix(MYPY_SUFFIXES)]
        if not files:
            return AnalyzerResult(self.name, (), time.perf_counter() - started, 0)
        root = Path(changes.root)
        argv = mypy_argv(config, root)
        shadow = unsaved_texts(changes.root, changes.with_suffix(MYPY_SUFFIXES))
        with tempfile.TemporaryDirectory(prefix="reviewbot-mypy-") as tmp:
            for index, (path, text) in enumerate(sorted(shadow.items())):
                # Staged or patched text: mypy checks it in place of the working-tree file.
                copy = Path(tmp) / f"{index}{Path(path).suffix}"
                copy.write_text(text, encoding="utf-8")
                argv.extend(["--shadow-file", path, str(copy)])
            argv.extend(["--", *files])
            run = run_tool(
                "mypy", argv, cwd=root, timeout_seconds=config.tool_timeout_seconds,
                install_hint=install_hint(argv[0]),
            )
        if "No module named mypy" in run.stderr:
            raise ToolError(f"mypy is not installed for {argv[0]}", hint=install_hint(argv[0]))
        if run.exit_code not in MYPY_OK_EXIT_CODES or "usage: mypy" in run.stderr:
            last = quote_line(run.stderr.strip().splitlines()[-1]) if run.stderr.strip() else ""
            raise ToolError(
                f"mypy failed (exit status {run.exit_code})" + (f": {last}" if last else ""),
                hint="check [tool.reviewbot.mypy] args and python",
            )
        findings = parse_mypy_output(run.stdout, run.stderr, changes.root, config)
        progress.advance("mypy", len(files), len(files))
        return AnalyzerResult(self.name, tuple(findings), time.perf_counter() - started, len(files))


def parse_mypy_output(stdout: str, stderr: str, root: str, config: Config) -> list[Finding]:
    """mypy's JSON lines -> findings; notes join the error before them; other lines become RB904."""
    findings: list[Finding] = []
    for raw in stdout.splitlines():
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
        except json.JSONDecodeError:
            item = None
        if not isinstance(item, dict):
            findings.append(_plain_line(raw, root))
            continue
        finding = _finding(item, root, config)
        previous = findings[-1] if findings else None
        if finding.severity is Severity.INFO and previous is not None and previous.path == finding.path:
            joined = "\n".join(x for x in (previous.help, finding.message) if x)
            findings[-1] = previous.with_changes(help=joined)
            continue
        findings.append(finding)
    findings.extend(_stderr_findings(stderr, root))
    return findings


def _finding(item: Mapping[str, object], root: str, config: Config) -> Finding:
    code = str(item.get("code") or "misc")
    is_note = item.get("severity") == "note"
    line, column = _int(item.get("line"), 1), _int(item.get("column"), 0)
    end_line, end_column = _int(item.get("end_line"), line), _int(item.get("end_column"), column)
    hint = item.get("hint")
    default = Severity.INFO if is_note else Severity.ERROR
    return Finding(
        rule=code,
        family=Family.TYPES.value,
        severity=default if is_note else config.severity_for(code, default),
        path=relative_path(str(item.get("file", "")), root),
        # mypy's JSON columns are 0-based, end exclusive; ours are 1-based.
        span=Span(max(line, 1), column + 1, max(end_line, 1), end_column + 1),
        message=" ".join(str(item.get("message", "")).split()).rstrip("."),
        help=str(hint) if isinstance(hint, str) else "",
        tool="mypy",
    )


def _int(value: object, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _plain_line(raw: str, root: str) -> Finding:
    match = _PLAIN_LINE_RE.match(raw.strip())
    path, line = ".", 1
    if match:
        path = relative_path(match["path"], root)
        line = int(match["line"]) if match["line"] else 1
    return meta_finding(TOOL_OUTPUT, path, f"mypy printed outside its JSON: {quote_line(raw)}", line, tool="mypy")


def _stderr_findings(stderr: str, root: str) -> list[Finding]:
    lines = [line for line in stderr.splitlines() if line.strip()]
    if not lines:
        return []
    if any("Traceback" in line or "INTERNAL ERROR" in line for line in lines):
        # A crash: one finding quoting what mypy said last (the exception), not the traceback.
        return [_plain_line(f"mypy crashed: {lines[-1]}", root)]
    return [_plain_line(line, root) for line in lines]
