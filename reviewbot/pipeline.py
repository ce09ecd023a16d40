"""The one place that knows the order of the stages: source -> analyzers -> gate -> summary."""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from reviewbot.analyzers.base import Analyzer, AnalyzerResult, NullProgress, Progress
from reviewbot.analyzers.preload import GO_SUFFIXES, PYTHON_SUFFIXES, TYPESCRIPT_SUFFIXES, worker_preload
from reviewbot.config import KNOWN_TOOLS, LANGUAGES, Config, load_config, validate_config
from reviewbot.core.changes import ChangeSet
from reviewbot.core.findings import Finding
from reviewbot.core.jobs import effective_jobs
from reviewbot.core.meta import MAX_MESSAGE_CHARS, bounded
from reviewbot.core.redact import redact, redact_finding
from reviewbot.errors import ToolError, UsageError
from reviewbot.gate.gate import GateResult, apply_gate
from reviewbot.gate.suppressions import SUPPRESSION_MARK
from reviewbot.gate.texts import FileTexts

if TYPE_CHECKING:
    from reviewbot.analyzers.trace.engine import TraceRequest
    from reviewbot.analyzers.trace.evidence import TraceReport


@dataclass(frozen=True, slots=True)
class AnalyzerStat:
    name: str
    seconds: float
    files: int
    findings: int


@dataclass(frozen=True, slots=True)
class RunResult:
    changes: ChangeSet
    gate: GateResult
    analyzers: tuple[AnalyzerStat, ...]
    seconds: float
    notes: tuple[str, ...] = ()
    config: Config = field(default_factory=Config)
    # Changed files that no analyzer read (DESIGN.md: nothing passes silently).
    not_analysed: tuple[str, ...] = ()
    trace: TraceReport | None = None

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self.gate.findings

    def stats(self) -> dict[str, object]:
        """The JSON `stats` object (DESIGN.md: files, seconds; plus per-analyzer detail)."""
        skipped = Counter(s.reason.value for s in self.changes.skipped)
        return {
            "files": len(self.changes.files),
            "seconds": round(self.seconds, 3),
            "analyzers": {
                a.name: {"seconds": round(a.seconds, 3), "files": a.files, "findings": a.findings}
                for a in self.analyzers
            },
            "skipped": dict(sorted(skipped.items())),
            "suppressed": self.gate.suppressed,
            "baselined": self.gate.baselined,
            "outside_diff": len(self.gate.outside_diff),
            "not_analysed": list(self.not_analysed),
            **({"trace": _trace_json(self.trace)} if self.trace is not None else {}),
        }


def resolve_tools(requested: Sequence[str] | None, config: Config) -> tuple[str, ...]:
    """CLI `--tools` (or config `tools`) -> the external tools to run; `none` means ours only."""
    names = tuple(requested) if requested is not None else config.tools
    tools: list[str] = []
    for name in names:
        for part in name.split(","):
            part = part.strip().lower()
            if not part or part == "none":
                continue
            if part not in KNOWN_TOOLS:
                raise UsageError(f"unknown tool {part!r} in --tools", hint=f"choose from {', '.join(KNOWN_TOOLS)}, or none")
            if part not in tools:
                tools.append(part)
    return tuple(tools)


class LazyAnalyzer:
    """An analyzer whose module is imported inside `analyze`, i.e. in its own worker thread.

    Importing libcst, pglast and the rule modules takes ~0.25 s; done lazily, it overlaps with the
    tool subprocesses (mypy, ruff) that were started first.
    """

    def __init__(self, name: str, factory: Callable[[], Analyzer], suffixes: tuple[str, ...] = ()) -> None:
        self._name = name
        self._factory = factory
        self._suffixes = suffixes  # when set: not even imported unless the change set has such a file

    @property
    def name(self) -> str:
        return self._name

    def analyze(self, changes: ChangeSet, config: Config, progress: Progress) -> AnalyzerResult:
        started = time.perf_counter()
        if self._suffixes and not changes.with_suffix(self._suffixes):
            return AnalyzerResult(self._name, (), time.perf_counter() - started, 0)
        result = self._factory().analyze(changes, config, progress)
        # The analyzer's time includes loading its modules: that is part of what it costs a run.
        return replace(result, seconds=time.perf_counter() - started)


def _python_analyzer() -> Analyzer:
    from reviewbot.analyzers.python.analyzer import PythonAnalyzer

    return PythonAnalyzer()


def _migration_analyzer() -> Analyzer:
    from reviewbot.analyzers.migrations.engine import MigrationAnalyzer

    return MigrationAnalyzer()


def _typescript_analyzer() -> Analyzer:
    # Not the engine itself: a change whose files all go to workers never imports it in this process.
    from reviewbot.analyzers.treesitter.analyzer import TreeSitterAnalyzer
    from reviewbot.analyzers.treesitter.languages import TYPESCRIPT

    return TreeSitterAnalyzer(TYPESCRIPT)


def _go_analyzer() -> Analyzer:
    from reviewbot.analyzers.treesitter.analyzer import TreeSitterAnalyzer
    from reviewbot.analyzers.treesitter.languages import GO

    return TreeSitterAnalyzer(GO)


def _tool_analyzer(tool: str) -> Analyzer:
    if tool == "ruff":
        from reviewbot.analyzers.tools.ruff import RuffAnalyzer

        return RuffAnalyzer()
    if tool == "mypy":
        from reviewbot.analyzers.tools.mypy import MypyAnalyzer

        return MypyAnalyzer()
    if tool == "tsc":
        from reviewbot.analyzers.tools.tsc import TscAnalyzer

        return TscAnalyzer()
    if tool == "go-vet":
        from reviewbot.analyzers.tools.govet import GoVetAnalyzer

        return GoVetAnalyzer()
    from reviewbot.analyzers.tools.semgrep import SemgrepAnalyzer

    return SemgrepAnalyzer()


def build_analyzers(
    tools: Sequence[str], languages: Sequence[str] = LANGUAGES, changes: ChangeSet | None = None
) -> list[Analyzer]:
    """External tools first (their subprocesses start at once), then our own analyzers, all lazy.

    The TypeScript and Go analyzers join when the change set (if given) has files of their language."""
    analyzers: list[Analyzer] = [_tool_analyzer(tool) for tool in tools]
    if "python" in languages:
        analyzers.append(LazyAnalyzer("reviewbot", _python_analyzer, PYTHON_SUFFIXES))
    if "sql" in languages:
        analyzers.append(LazyAnalyzer("migrations", _migration_analyzer, (".sql", ".py")))
    if "typescript" in languages and (changes is None or changes.with_suffix(TYPESCRIPT_SUFFIXES)):
        analyzers.append(LazyAnalyzer("typescript", _typescript_analyzer, TYPESCRIPT_SUFFIXES))
    if "go" in languages and (changes is None or changes.with_suffix(GO_SUFFIXES)):
        analyzers.append(LazyAnalyzer("go", _go_analyzer, GO_SUFFIXES))
    return analyzers


def run_analyzers(
    changes: ChangeSet,
    config: Config,
    analyzers: Sequence[Analyzer],
    progress: Progress,
    meanwhile: Callable[[], None] | None = None,
) -> tuple[list[AnalyzerResult], list[str]]:
    """All analyzers concurrently on one change set; optional tools that fail become notes. `meanwhile`
    runs on this thread once they have started (it would otherwise only wait for them)."""
    results: list[AnalyzerResult] = []
    notes: list[str] = []
    if not analyzers:
        if meanwhile is not None:
            meanwhile()
        return results, notes
    with ThreadPoolExecutor(max_workers=len(analyzers)) as pool:
        futures = [(a.name, pool.submit(a.analyze, changes, config, progress)) for a in analyzers]
        if meanwhile is not None:
            meanwhile()
        errors: list[ToolError] = []
        for name, future in futures:
            try:
                results.append(future.result())
            except ToolError as err:
                if name in config.optional_tools:
                    notes.append(f"{name} skipped (optional): {err.message}")
                else:
                    errors.append(err)
        if errors:
            raise errors[0]
    return results, notes


def run(
    changes: ChangeSet,
    config: Config,
    tools: Sequence[str] = (),
    progress: Progress | None = None,
    use_baseline: bool = True,
    trace: TraceRequest | None = None,
) -> RunResult:
    """Analyze a change set, replay its migrations when asked (`--trace`), and gate the findings."""
    started = time.perf_counter()
    analyzers = build_analyzers(tools, config.languages, changes)
    preload = worker_preload([(f.path, f.text) for f in changes.files], changes.root, config.languages,
                             effective_jobs(config.jobs))
    if preload or "reviewbot.analyzers.workers" in sys.modules:  # no server can run before it is imported
        from reviewbot.analyzers.workers import start_fork_server

        # From this (main) thread, before the analyzers' threads start; a server the CLI started early is
        # kept if it preloaded what this change needs, replaced if not, and stopped when no worker is needed.
        start_fork_server(preload)
    # The gate reads every file of the change for suppression comments: done while the analyzers run.
    texts = FileTexts(changes)
    results, notes = run_analyzers(
        changes, config, analyzers, progress or NullProgress(), meanwhile=lambda: texts.read_ahead(SUPPRESSION_MARK)
    )
    findings: list[Finding] = [f for r in results for f in r.findings]
    # Secrets never reach any output (STYLE.md §7): masked once, here, for every format; then messages
    # that quote input are bounded (after masking, so a cut never leaves half a secret unmasked).
    findings = [_bounded(redact_finding(f)) for f in dedupe(findings)]
    tools_run = frozenset(r.name for r in results) | {"reviewbot"}
    report = None
    if trace is not None:
        # After the static rules (the trace confirms or contradicts their findings), before the gate.
        findings, trace_notes, report = run_trace(changes, config, trace, findings)
        notes.extend(trace_notes)
        if report is not None:
            tools_run |= {"trace"}
    gate = apply_gate(findings, changes, config, tools_run, use_baseline=use_baseline, texts=texts)
    stats = tuple(
        AnalyzerStat(r.name, r.seconds, r.files, len(r.findings)) for r in sorted(results, key=lambda r: r.name)
    )
    notes.extend(n for r in results for n in r.notes)
    unread = not_analysed(changes, results)
    notes.extend(language_notes(changes, config))
    if unread:
        notes.append(not_analysed_note(unread))
    notes = [redact(n) for n in notes]
    return RunResult(changes, gate, stats, time.perf_counter() - started, tuple(notes), config, unread, report)


def not_analysed(changes: ChangeSet, results: Sequence[AnalyzerResult]) -> tuple[str, ...]:
    """The change set's files that no analyzer read, sorted."""
    read = {path for r in results for path in r.read}
    return tuple(sorted(f.path for f in changes.files if f.path not in read))


def not_analysed_note(paths: Sequence[str]) -> str:
    """`2 files not analysed: .rs`; the paths themselves when there are at most three."""
    suffixes = Counter(Path(p).suffix or Path(p).name for p in paths)
    kinds = ", ".join(s if n == 1 else f"{s} ({n})" for s, n in sorted(suffixes.items()))
    noun = "file" if len(paths) == 1 else "files"
    named = f" ({', '.join(paths)})" if len(paths) <= 3 else ""
    return f"{len(paths)} {noun} not analysed: {kinds}{named}"


_LANGUAGE_SUFFIXES = {"typescript": TYPESCRIPT_SUFFIXES, "go": GO_SUFFIXES, "python": PYTHON_SUFFIXES, "sql": (".sql",)}


def language_notes(changes: ChangeSet, config: Config) -> list[str]:
    """A note per language whose analyzer the configuration turned off while its files changed."""
    notes: list[str] = []
    for language, suffixes in _LANGUAGE_SUFFIXES.items():
        if language in config.languages:
            continue
        count = len(changes.with_suffix(suffixes))
        if count:
            noun = "file" if count == 1 else "files"
            notes.append(f"the {language} analyzer is turned off (`languages` in the configuration): {count} {noun} not checked by it")
    return notes


MAX_TRACE_NOTES = 5


def run_trace(
    changes: ChangeSet, config: Config, request: TraceRequest, findings: list[Finding]
) -> tuple[list[Finding], list[str], TraceReport | None]:
    """The migration trace stage: judged static findings plus RB416, and notes; a missing server is a note."""
    from reviewbot.analyzers.trace.engine import trace_change
    from reviewbot.analyzers.trace.server import PostgresUnavailable
    from reviewbot.analyzers.trace.verdicts import apply_judgements, summary_note, trace_findings

    try:
        report = trace_change(changes, config, request)
    except PostgresUnavailable as err:
        hint = f" ({err.hint})" if err.hint else ""
        return findings, [f"trace not run: {err.message}{hint}; the static migration gate stands"], None
    if report is None:
        return findings, [], None
    judged, tally = apply_judgements(findings, report)
    extra = trace_findings(judged, report)
    notes = [summary_note(report, tally, len(extra))]
    notes.extend(f"trace: {note}" for note in report.notes[:MAX_TRACE_NOTES])
    if len(report.notes) > MAX_TRACE_NOTES:
        notes.append(f"trace: {len(report.notes) - MAX_TRACE_NOTES} more notes in the JSON report (stats.trace.notes)")
    return judged + extra, notes, report


def _trace_json(report: TraceReport) -> dict[str, object]:
    from reviewbot.analyzers.trace.report import trace_json

    return trace_json(report)


def _bounded(finding: Finding) -> Finding:
    """A message quoting its input (a tool's line, a parser's complaint) stays readable in every output."""
    if len(finding.message) <= MAX_MESSAGE_CHARS:
        return finding
    return finding.with_changes(message=bounded(finding.message))


def dedupe(findings: list[Finding]) -> list[Finding]:
    """One finding per defect: where a tool and our rule say the same, keep ours."""
    from reviewbot.analyzers.tools.dedupe import dedupe_against_ours

    ours = [f for f in findings if f.tool == "reviewbot"]
    theirs = [f for f in findings if f.tool != "reviewbot"]
    return ours + list(dedupe_against_ours(theirs, ours))


def load(root: Path, config_path: Path | None) -> Config:
    from reviewbot.analyzers.codes import check_config_selectors

    config = validate_config(load_config(root, config_path))
    check_config_selectors(config)  # a typo in a selector is an error, never a gate that checks nothing
    return config
