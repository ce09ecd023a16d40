"""The mypy analyzer: each project's nearest mypy config, against the project's own environment."""

from __future__ import annotations

import configparser
import json
import os
import re
import shutil
import sys
import tempfile
import time
import tomllib
from collections.abc import Mapping
from pathlib import Path

from reviewbot.analyzers.base import AnalyzerResult, Progress
from reviewbot.analyzers.tools.process import file_lock, quote_line, relative_path, run_tool, unsaved_texts
from reviewbot.analyzers.tools.projects import (
    Project,
    cache_key,
    group_by_nearest,
    relative_to_project,
    reviewed_only,
)
from reviewbot.config import Config
from reviewbot.core.changes import ChangeSet
from reviewbot.core.findings import Finding, Severity, Span
from reviewbot.core.meta import TOOL_OUTPUT, meta_finding
from reviewbot.core.rules import Family
from reviewbot.errors import ToolError

MYPY_SUFFIXES = (".py", ".pyi")
# For a project without any mypy configuration: the bodies of unannotated functions are checked
# too. Missing third-party modules are summarised per module (below), not ignored.
DEFAULT_ARGS = ("--check-untyped-defs",)
# Documented exit codes (mypy's main: 0 clean, 1 type errors reported, 2 blocking error: a file
# that cannot be read, bad options, a crash). Syntax errors come as JSON with status 2.
MYPY_OK_EXIT_CODES = (0, 1, 2)
# The Action's input (and a way to point a local run at a virtualenv without editing config).
PYTHON_EXECUTABLE_ENV = "REVIEWBOT_MYPY_PYTHON_EXECUTABLE"
# A module mypy cannot find or has no types for: one summary per module, not one error per import.
MISSING_IMPORT_CODES = ("import-not-found", "import-untyped")
MISSING_IMPORT_HELP = (
    "Install the project's dependencies where mypy looks: set [tool.reviewbot.mypy] python-executable "
    f"(or ${PYTHON_EXECUTABLE_ENV}, the action's mypy-python-executable input) to the interpreter of "
    "that environment; or add stubs; or set `ignore_missing_imports` for the module in your mypy config."
)
_PLAIN_LINE_RE = re.compile(r"^(?P<path>[^:\s][^:]*?\.(?:pyi?|ini|cfg|toml)):(?:(?P<line>\d+):)?(?:\d+:)?\s*(?P<message>.*)$")
_MODULE_RE = re.compile(r'"(?P<module>[^"]+)"')


def install_hint(python: str) -> str:
    return f"{python} -m pip install mypy (or set [tool.reviewbot.mypy] python to an interpreter that has it)"


def mypy_config_in(directory: Path) -> Path | None:
    """The mypy configuration file in `directory`, in mypy's own order of precedence."""
    for name in ("mypy.ini", ".mypy.ini"):
        if (directory / name).is_file():
            return directory / name
    pyproject = directory / "pyproject.toml"
    if pyproject.is_file():
        try:
            tool = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {})
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            return pyproject  # mypy reports the broken file itself
        if isinstance(tool, dict) and "mypy" in tool:
            return pyproject
    setup_cfg = directory / "setup.cfg"
    if setup_cfg.is_file():
        parser = configparser.ConfigParser()
        try:
            parser.read(setup_cfg, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError):
            return None
        if parser.has_section("mypy"):
            return setup_cfg
    return None


def has_mypy_config(root: Path) -> bool:
    """Whether mypy will find a configuration of its own in `root`."""
    return mypy_config_in(root) is not None


def python_executable(config: Config, root: Path) -> str:
    """The project's interpreter for mypy's --python-executable ("" = mypy's own environment)."""
    value = os.environ.get(PYTHON_EXECUTABLE_ENV, "").strip() or config.mypy.python_executable
    if not value:
        return ""
    candidate = Path(os.path.expanduser(value))
    if not candidate.is_absolute():
        candidate = root / candidate  # relative to the repository, wherever reviewbot runs
    if candidate.exists():
        return str(candidate)
    found = shutil.which(value) if os.sep not in value else None  # a bare name, on PATH
    if found:
        return found
    raise ToolError(
        f"mypy python-executable {value!r} does not exist",
        hint="point [tool.reviewbot.mypy] python-executable (or the action's mypy-python-executable input) "
        "at the interpreter of the environment that has your project's dependencies",
    )


def mypy_argv(config: Config, root: Path, project: Project | None = None) -> list[str]:
    """The mypy command for one project (default: the repository root with its own configuration)."""
    project = project or Project(root, mypy_config_in(root), ())
    python = config.mypy.python or sys.executable
    executable = python_executable(config, root)
    argv = [
        python, "-m", "mypy", "--output", "json", "--no-error-summary", "--no-color-output",
        "--cache-dir", str(cache_dir_for(config, root, project, python, executable)),
    ]
    if project.config is not None:
        argv.extend(["--config-file", str(project.config)])
    else:
        argv.extend(DEFAULT_ARGS)
    if executable:
        argv.extend(["--python-executable", executable])
    argv.extend(config.mypy.args)
    return argv


def cache_dir_for(config: Config, root: Path, project: Project, python: str, executable: str) -> Path:
    """One cache per configuration and interpreter, below [tool.reviewbot.mypy] cache-dir.

    A cache written under other options or another environment would be invalidated (or, worse,
    trusted) by the next run; concurrent runs share one only under the lock in `analyze`.
    """
    base = Path(os.path.expanduser(config.mypy.cache_dir))
    base = base if base.is_absolute() else root / base
    key = cache_key(project.directory, project.config, python, executable, *config.mypy.args)
    return base / f"reviewbot-{key}"


class MypyAnalyzer:
    """mypy over the Python files of the change set, once per project (its nearest mypy config)."""

    name = "mypy"

    def analyze(self, changes: ChangeSet, config: Config, progress: Progress) -> AnalyzerResult:
        started = time.perf_counter()
        files = [f.path for f in changes.with_suffix(MYPY_SUFFIXES)]
        if not files:
            return AnalyzerResult(self.name, (), time.perf_counter() - started, 0)
        root = Path(changes.root).resolve()
        projects, orphans = group_by_nearest(root, files, mypy_config_in)
        if orphans:
            projects.append(Project(root, None, tuple(orphans)))  # mypy's defaults, from the root
        shadow = unsaved_texts(changes.root, changes.with_suffix(MYPY_SUFFIXES))
        findings: list[Finding] = []
        for done, project in enumerate(projects, 1):
            findings.extend(self._check(project, root, config, shadow))
            progress.advance("mypy", done, len(projects))
        findings = summarise_missing_imports(reviewed_only(findings, changes, MYPY_SUFFIXES), config)
        return AnalyzerResult(
            self.name, tuple(findings), time.perf_counter() - started, len(files), read=tuple(files)
        )

    def _check(self, project: Project, root: Path, config: Config, shadow: Mapping[str, str]) -> list[Finding]:
        argv = mypy_argv(config, root, project)
        cache = Path(argv[argv.index("--cache-dir") + 1])
        with tempfile.TemporaryDirectory(prefix="reviewbot-mypy-") as tmp:
            for index, path in enumerate(sorted(p for p in shadow if p in project.files)):
                # Staged or patched text: mypy checks it in place of the working-tree file.
                copy = Path(tmp) / f"{index}{Path(path).suffix}"
                copy.write_text(shadow[path], encoding="utf-8")
                argv.extend(["--shadow-file", relative_to_project(path, root, project.directory), str(copy)])
            argv.extend(["--", *(relative_to_project(p, root, project.directory) for p in project.files)])
            # Concurrent runs sharing one cache crashed mypy (issue #15): one writer at a time.
            with file_lock(cache.with_name(cache.name + ".lock")):
                run = run_tool(
                    "mypy", argv, cwd=project.directory, timeout_seconds=config.tool_timeout_seconds,
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
        return parse_mypy_output(run.stdout, run.stderr, str(root), config, base=str(project.directory))


def summarise_missing_imports(findings: list[Finding], config: Config) -> list[Finding]:
    """One `info` finding per module mypy cannot find or type, at its first import, with the count."""
    kept: list[Finding] = []
    groups: dict[tuple[str, str], list[Finding]] = {}
    for finding in findings:
        match = _MODULE_RE.search(finding.message) if finding.rule in MISSING_IMPORT_CODES else None
        if match is None:
            kept.append(finding)
            continue
        groups.setdefault((finding.rule, match["module"].split(".")[0]), []).append(finding)
    for (rule, module), group in sorted(groups.items()):
        first = min(group, key=lambda f: f.sort_key)
        files = len({f.path for f in group})
        what = "is not installed where mypy looks" if rule == "import-not-found" else "has no type information"
        imports = f"{len(group)} import{'s' if len(group) != 1 else ''} in {files} file{'s' if files != 1 else ''}"
        kept.append(first.with_changes(
            message=f'module "{module}" {what} ({imports}); code using it is not type-checked',
            severity=config.severity_for(rule, Severity.INFO),
            help="\n".join(x for x in (first.help, MISSING_IMPORT_HELP) if x),
        ))
    return kept


def parse_mypy_output(stdout: str, stderr: str, root: str, config: Config, base: str | None = None) -> list[Finding]:
    """mypy's JSON lines -> findings; notes join the error before them; other lines become RB904.

    `base` is the directory mypy ran from (its paths are relative to it); default the root.
    """
    findings: list[Finding] = []
    base = base or root
    for raw in stdout.splitlines():
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
        except json.JSONDecodeError:
            item = None
        if not isinstance(item, dict):
            findings.append(_plain_line(raw, root, base))
            continue
        finding = _finding(item, root, config, base)
        previous = findings[-1] if findings else None
        if finding.severity is Severity.INFO and previous is not None and previous.path == finding.path:
            joined = "\n".join(x for x in (previous.help, finding.message) if x)
            findings[-1] = previous.with_changes(help=joined)
            continue
        findings.append(finding)
    findings.extend(_stderr_findings(stderr, root, base))
    return findings


def _finding(item: Mapping[str, object], root: str, config: Config, base: str) -> Finding:
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
        path=relative_path(os.path.join(base, str(item.get("file", ""))), root),
        # mypy's JSON columns are 0-based, end exclusive; ours are 1-based.
        span=Span(max(line, 1), column + 1, max(end_line, 1), end_column + 1),
        message=" ".join(str(item.get("message", "")).split()).rstrip("."),
        help=str(hint) if isinstance(hint, str) else "",
        tool="mypy",
    )


def _int(value: object, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _plain_line(raw: str, root: str, base: str) -> Finding:
    match = _PLAIN_LINE_RE.match(raw.strip())
    path, line = ".", 1
    if match:
        path = relative_path(os.path.join(base, match["path"]), root)
        line = int(match["line"]) if match["line"] else 1
    return meta_finding(TOOL_OUTPUT, path, f"mypy printed outside its JSON: {quote_line(raw)}", line, tool="mypy")


def _stderr_findings(stderr: str, root: str, base: str) -> list[Finding]:
    lines = [line for line in stderr.splitlines() if line.strip()]
    if not lines:
        return []
    if any("Traceback" in line or "INTERNAL ERROR" in line for line in lines):
        # A crash: one finding quoting what mypy said last (the exception), not the traceback.
        return [_plain_line(f"mypy crashed: {lines[-1]}", root, base)]
    return [_plain_line(line, root, base) for line in lines]
