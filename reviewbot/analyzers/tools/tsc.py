"""The tsc analyzer: each tsconfig.json that owns a changed file, checked by the project's own TypeScript."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from reviewbot.analyzers.base import AnalyzerResult, Progress
from reviewbot.analyzers.tools.process import (
    configured_executable,
    file_lock,
    quote_line,
    relative_path,
    run_tool,
    unsaved_texts,
)
from reviewbot.analyzers.tools.projects import (
    Project,
    ancestors,
    cache_key,
    count_files,
    display,
    group_by_nearest,
    reviewed_only,
    some_names,
    user_cache_dir,
)
from reviewbot.config import Config
from reviewbot.core.changes import ChangeSet
from reviewbot.core.findings import Finding, Severity, Span
from reviewbot.core.meta import TOOL_OUTPUT, meta_finding
from reviewbot.core.rules import Family

TS_SUFFIXES = (".ts", ".tsx", ".mts", ".cts")
# The native compiler before TypeScript 7 shipped it as `tsc`: a project that depends on this
# package is checked by its `tsgo`.
NATIVE_PREVIEW = "@typescript/native-preview"
# tsc's ExitStatus: 0 clean, 1 diagnostics (outputs skipped), 2 diagnostics (outputs generated),
# 3 invalid project, 4 project reference cycle. Anything else is node or the launcher failing.
TSC_EXIT_CODES = (0, 1, 2, 3, 4)
# `env: 'node': No such file or directory`: the launcher's shebang found no node.
COMMAND_NOT_FOUND = 127
_DIAGNOSTIC_RE = re.compile(
    r"^(?P<path>.+?)\((?P<line>\d+),(?P<column>\d+)\): "
    r"(?P<category>error|warning|message|suggestion) (?P<code>TS\d+): (?P<message>.*)$"
)
_GLOBAL_RE = re.compile(r"^(?P<category>error|warning|message) (?P<code>TS\d+): (?P<message>.*)$")
_CATEGORY_SEVERITY = {
    "error": Severity.ERROR, "warning": Severity.WARNING, "message": Severity.INFO, "suggestion": Severity.INFO,
}


# The lockfile nearest the project says how its node_modules are installed.
LOCKFILE_INSTALLS = (
    ("package-lock.json", "npm ci"),
    ("npm-shrinkwrap.json", "npm ci"),
    ("pnpm-lock.yaml", "pnpm install --frozen-lockfile"),
    ("yarn.lock", "yarn install --frozen-lockfile"),
    ("bun.lock", "bun install --frozen-lockfile"),
    ("bun.lockb", "bun install --frozen-lockfile"),
)


def install_command(project: Path, root: Path) -> str:
    """`cd api && npm ci`: the install that brings the project's TypeScript, where its lockfile is."""
    for directory in _chain(project, root):
        for lockfile, command in LOCKFILE_INSTALLS:
            if (directory / lockfile).is_file():
                return _in(directory, root, command)
    return _in(project, root, "npm install")


def _in(directory: Path, root: Path, command: str) -> str:
    where = display(root, directory)
    return command if where == "the repository root" else f"cd {where} && {command}"


def _chain(project: Path, root: Path) -> list[Path]:
    """The project's directory and its parents up to the repository root."""
    return ancestors(root, (os.path.relpath(project, root) + "/tsconfig.json").removeprefix("./"))


class TscAnalyzer:
    """`tsc --noEmit -p <tsconfig>` for every project that owns a changed TypeScript file."""

    name = "tsc"

    def analyze(self, changes: ChangeSet, config: Config, progress: Progress) -> AnalyzerResult:
        started = time.perf_counter()
        files = [f.path for f in changes.with_suffix(TS_SUFFIXES)]
        if not files:
            return AnalyzerResult(self.name, (), time.perf_counter() - started, 0)
        root = Path(changes.root).resolve()
        projects, orphans = owning_projects(root, files)
        findings: list[Finding] = []
        notes: list[str] = []
        if orphans:
            notes.append(f"tsc not run for {count_files(orphans, 'TypeScript')} outside any tsconfig.json project: {some_names(orphans)}")
        shadow = unsaved_texts(changes.root, changes.with_suffix(TS_SUFFIXES))
        for done, project in enumerate(projects, 1):
            found, said = self._check(project, root, changes, config)
            findings.extend(found)
            notes.extend(said)
            stale = sorted(p for p in project.files if p in shadow)
            if stale:
                notes.append(
                    f"tsc checked the working-tree text of {some_names(stale)}: TypeScript reads files from disk, "
                    "and the reviewed (staged or patched) text differs"
                )
            progress.advance("tsc", done, len(projects))
        return AnalyzerResult(self.name, tuple(findings), time.perf_counter() - started, len(files), tuple(notes))

    def _check(
        self, project: Project, root: Path, changes: ChangeSet, config: Config
    ) -> tuple[list[Finding], list[str]]:
        assert project.config is not None  # group_by_nearest only makes projects with a config
        where = display(root, project.directory)
        compiler = find_compiler(project.directory, root, config)
        if compiler is None:
            missing = (
                f"[tool.reviewbot.tsc] command `{config.tsc.command}` does not exist" if config.tsc.command
                else "TypeScript is not installed there (no node_modules/.bin/tsc up to the repository root)"
            )
            return [], [
                f"tsc not run for {count_files(project.files, 'TypeScript')} in {where}: {missing}; "
                f"run `{install_command(project.directory, root)}` (or set [tool.reviewbot.tsc] command)"
            ]
        cache = _cache_dir(root, config)
        build_info = cache / f"{cache_key(project.config, compiler[-1])}.tsbuildinfo"
        argv = [
            *compiler, "--noEmit", "-p", project.config.name, "--pretty", "false",
            # Every file of the program, after the diagnostics: which changed files it checked.
            "--listFiles",
            "--incremental", "--tsBuildInfoFile", str(build_info),
            *config.tsc.args,
        ]
        with file_lock(build_info.with_suffix(".lock")):
            run = run_tool(
                "tsc", argv, cwd=project.directory, timeout_seconds=config.tool_timeout_seconds,
                install_hint=f"{install_command(project.directory, root)}, or set [tool.reviewbot.tsc] command",
            )
        if run.exit_code == COMMAND_NOT_FOUND:
            return [], [f"tsc not run for {count_files(project.files, 'TypeScript')} in {where}: {quote_line(run.stderr)} (install Node.js)"]
        report = parse_tsc_output(run.stdout, project.directory, root, config, project.config)
        findings = reviewed_only(report.findings, changes, TS_SUFFIXES)
        if run.exit_code not in TSC_EXIT_CODES or run.stderr.strip():
            findings.extend(_failure(run.exit_code, run.stderr, root, project.config))
        notes: list[str] = []
        if report.program:
            unchecked = [p for p in project.files if p not in report.program]
            if unchecked:
                notes.append(
                    f"tsc: {some_names(unchecked)} not part of the program of {relative_path(str(project.config), root)} "
                    "(excluded by its include/exclude); not type-checked"
                )
        return findings, notes


@dataclass(frozen=True, slots=True)
class TscReport:
    findings: list[Finding]
    program: frozenset[str]  # repository-relative paths of the program's files (from --listFiles)


def owning_projects(root: Path, files: list[str]) -> tuple[list[Project], list[str]]:
    """Each file's nearest tsconfig.json; a solution-style one hands the file to the project that includes it."""
    projects, orphans = group_by_nearest(root, files, _tsconfig_in)
    regrouped: dict[Path, list[str]] = {}
    for project in projects:
        assert project.config is not None
        for path in project.files:
            regrouped.setdefault(solution_member(project.config, root / path), []).append(path)
    return [Project(c.parent, c, tuple(f)) for c, f in sorted(regrouped.items())], orphans


def _tsconfig_in(directory: Path) -> Path | None:
    candidate = directory / "tsconfig.json"
    return candidate if candidate.is_file() else None


def solution_member(tsconfig: Path, file: Path) -> Path:
    """The referenced tsconfig that includes `file` when `tsconfig` is a solution (`"files": []`)."""
    data = read_jsonc(tsconfig)
    references = data.get("references") if data else None
    if not data or not isinstance(references, list) or data.get("files") != [] or "include" in data:
        return tsconfig
    for reference in references:
        target = _reference_path(tsconfig, reference)
        if target is not None and includes(target, file):
            return target
    return tsconfig


def _reference_path(tsconfig: Path, reference: object) -> Path | None:
    if not isinstance(reference, dict) or not isinstance(reference.get("path"), str):
        return None
    target = tsconfig.parent / str(reference["path"])
    if target.is_dir():
        target = target / "tsconfig.json"
    return target if target.is_file() else None


def includes(tsconfig: Path, file: Path) -> bool:
    """Whether `file` matches the tsconfig's `files`/`include` (default: everything below it)."""
    data = read_jsonc(tsconfig) or {}
    try:
        rel = file.relative_to(tsconfig.parent).as_posix()
    except ValueError:
        return False
    listed = data.get("files")
    if isinstance(listed, list) and any(isinstance(f, str) and f.removeprefix("./") == rel for f in listed):
        return True
    patterns = data.get("include", [] if isinstance(listed, list) else ["**/*"])
    if not isinstance(patterns, list):
        return False
    for pattern in patterns:
        if not isinstance(pattern, str):
            continue
        pattern = pattern.removeprefix("./").rstrip("/")
        if rel == pattern or rel.startswith(pattern + "/") or fnmatch.fnmatchcase(rel, pattern):
            return True
        if pattern.endswith("/**/*") and rel.startswith(pattern[: -len("/**/*")] + "/"):
            return True
    return False


_JSONC_COMMENT_RE = re.compile(r'"(?:\\.|[^"\\])*"|//[^\n]*|/\*.*?\*/', re.DOTALL)
_JSONC_TRAILING_COMMA_RE = re.compile(r'"(?:\\.|[^"\\])*"|,(?=\s*[}\]])')


def read_jsonc(path: Path) -> dict[str, object] | None:
    """A tsconfig as a dict: JSON with comments and trailing commas; None when unreadable."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    for pattern in (_JSONC_COMMENT_RE, _JSONC_TRAILING_COMMA_RE):  # comments first: `, // x\n}`
        text = pattern.sub(lambda m: m.group(0) if m.group(0).startswith('"') else "", text)
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return None  # tsc reports the broken file itself
    return data if isinstance(data, dict) else None


def find_compiler(project: Path, root: Path, config: Config) -> list[str] | None:
    """[tool.reviewbot.tsc] command, else node_modules/.bin/tsgo (native preview) or tsc nearest the project."""
    if config.tsc.command:
        return configured_executable(root, config.tsc.command)
    chain = _chain(project, root)
    native = any(_depends_on(directory / "package.json", NATIVE_PREVIEW) for directory in chain)
    for directory in chain:
        bin_dir = directory / "node_modules" / ".bin"
        for name in ("tsgo", "tsc") if native else ("tsc",):
            if (bin_dir / name).is_file():
                return [str(bin_dir / name)]
    return None


def _depends_on(package_json: Path, name: str) -> bool:
    if not package_json.is_file():
        return False
    try:
        data = json.loads(package_json.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    if not isinstance(data, dict):
        return False
    return any(isinstance(data.get(k), dict) and name in data[k] for k in ("dependencies", "devDependencies"))


def _cache_dir(root: Path, config: Config) -> Path:
    """Build info lives in reviewbot's cache, never in the checked project."""
    if config.tsc.cache_dir:
        configured = Path(os.path.expanduser(config.tsc.cache_dir))
        return configured if configured.is_absolute() else root / configured
    return user_cache_dir() / "tsc"


def parse_tsc_output(stdout: str, directory: Path, root: Path, config: Config, tsconfig: Path) -> TscReport:
    """`--pretty false` diagnostics -> findings; indented lines continue the previous message;
    absolute paths are --listFiles; any other line becomes RB904."""
    findings: list[Finding] = []
    program: set[str] = set()
    config_path = relative_path(str(tsconfig), root)
    continues = False
    for raw in stdout.splitlines():
        if not raw.strip():
            continue
        if raw[:1].isspace() and continues:
            previous = findings[-1]
            findings[-1] = previous.with_changes(help="\n".join(x for x in (previous.help, raw.strip()) if x))
            continue
        continues = False
        match = _DIAGNOSTIC_RE.match(raw)
        if match:
            path = relative_path(str(directory / match["path"]), root)
            line, column = int(match["line"]), int(match["column"])
            findings.append(_finding(match["code"], match["category"], path, line, column, match["message"], config))
            continues = True
            continue
        match = _GLOBAL_RE.match(raw)
        if match:
            findings.append(_finding(match["code"], match["category"], config_path, 1, 1, match["message"], config))
            continues = True
            continue
        if os.path.isabs(raw.strip()):
            program.add(relative_path(raw.strip(), root))
            continue
        findings.append(meta_finding(TOOL_OUTPUT, config_path, f"tsc printed a line reviewbot cannot read: {quote_line(raw)}", tool="tsc"))
    return TscReport(findings, frozenset(program))


def _finding(code: str, category: str, path: str, line: int, column: int, message: str, config: Config) -> Finding:
    default = _CATEGORY_SEVERITY.get(category, Severity.ERROR)
    return Finding(
        rule=code,
        family=Family.TYPES.value,
        severity=config.severity_for(code, default) if default is Severity.ERROR else default,
        path=path,
        span=Span(max(line, 1), max(column, 1)),
        message=" ".join(message.split()).rstrip("."),
        tool="tsc",
    )


def _failure(exit_code: int, stderr: str, root: Path, tsconfig: Path) -> list[Finding]:
    lines = [line for line in stderr.splitlines() if line.strip()]
    last = quote_line(lines[-1]) if lines else "no output"
    if exit_code in TSC_EXIT_CODES and not lines:
        return []
    path = relative_path(str(tsconfig), root)
    return [meta_finding(TOOL_OUTPUT, path, f"tsc failed (exit status {exit_code}): {last}", tool="tsc")]

