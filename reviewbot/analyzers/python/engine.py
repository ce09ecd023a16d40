"""Parse each Python file once with libcst and run every active rule in one walk.

Cost model (issue #2): a libcst CSTVisitor rebuilds every node it visits and PositionProvider
re-generates the whole module's code, 1x and ~4x a bare parse. So the walk here reads the
dataclass fields of each node directly (about a fifth of a parse), rules are only instantiated
for files whose text contains one of their trigger words, and positions are resolved only for
files in which some rule reported something.
"""

from __future__ import annotations

import ast
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from reviewbot.analyzers.base import AnalyzerResult, Progress
from reviewbot.analyzers.migrations.layout import is_python_migration_path
from reviewbot.analyzers.python.names import NODE_FIELDS, WALKED_NODE_TYPES, collect_imports, node_fields
from reviewbot.analyzers.python.rule import FileContext, PythonRule, Report
from reviewbot.analyzers.python.rules import RULES
from reviewbot.config import Config
from reviewbot.core.changes import ChangeSet, FileChange
from reviewbot.core.findings import Finding, Fix, Span
from reviewbot.core.meta import INTERNAL_ERROR, PARSE_ERROR, meta_finding

_PYTHON_SUFFIXES = (".py", ".pyi")

Handler = Callable[[cst.CSTNode], object]


def _dispatch_table(
    rules: Sequence[PythonRule],
) -> tuple[dict[type, list[Handler]], dict[type, list[Handler]]]:
    visits: dict[type, list[Handler]] = {}
    leaves: dict[type, list[Handler]] = {}
    for rule in rules:
        for attr in dir(type(rule)):
            if attr.startswith("visit_"):
                table, type_name = visits, attr[6:]
            elif attr.startswith("leave_"):
                table, type_name = leaves, attr[6:]
            else:
                continue
            node_type = getattr(cst, type_name, None)
            if not isinstance(node_type, type):
                raise TypeError(f"{type(rule).__name__}.{attr}: libcst has no node {type_name}")
            table.setdefault(node_type, []).append(getattr(rule, attr))
    return visits, leaves


def walk(module: cst.Module, ctx: FileContext, rules: Sequence[PythonRule]) -> None:
    """Depth-first walk calling visit_/leave_ handlers; ctx.parents holds the ancestors."""
    visits, leaves = _dispatch_table(rules)
    parents = ctx.parents
    walked = WALKED_NODE_TYPES
    fields_of = NODE_FIELDS

    def visit(node: cst.CSTNode) -> None:
        node_type = type(node)
        handlers = visits.get(node_type)
        if handlers:
            for handler in handlers:
                handler(node)
        parents.append(node)
        names = fields_of.get(node_type) or node_fields(node_type)
        for name in names:
            value = getattr(node, name)
            value_type = type(value)
            if value_type in walked:
                visit(value)
            elif value_type is tuple or value_type is list:
                for item in value:
                    if type(item) in walked:
                        visit(item)
        parents.pop()
        handlers = leaves.get(node_type)
        if handlers:
            for handler in handlers:
                handler(node)

    visit(module)


@dataclass(frozen=True, slots=True)
class FileJob:
    path: str
    text: str | None


def _read_source(root: str, job: FileJob) -> bytes:
    if job.text is not None:
        return job.text.encode("utf-8")
    return (Path(root) / job.path).read_bytes()


def _active_rules(
    path: str, text: str, config: Config, is_test: bool, rule_types: Sequence[type[PythonRule]]
) -> list[type[PythonRule]]:
    active: list[type[PythonRule]] = []
    for rule_type in rule_types:
        if is_test and config.test_policy == "relaxed" and not rule_type.runs_on_tests:
            continue
        if not config.is_selected(rule_type.code, rule_type.family.value, path):
            continue
        triggers = rule_type.triggers_for(config)
        if triggers and not any(t in text for t in triggers):
            continue
        active.append(rule_type)
    return active


def analyze_source(
    path: str,
    source: bytes,
    config: Config,
    rule_types: Sequence[type[PythonRule]] = RULES,
) -> list[Finding]:
    """All findings of the active rules on one file's bytes; a parse failure is RB901."""
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as err:
        line, column, message = _syntax_error_location(source, err)
        return [meta_finding(PARSE_ERROR, path, f"cannot parse: {message}", line, column)]
    except (UnicodeDecodeError, SyntaxError, ValueError) as err:
        return [meta_finding(PARSE_ERROR, path, f"cannot parse: {err}", 1, 1)]
    # Decoding the bytes is cheap; `module.code` would re-generate the whole file (about a parse).
    text = source.decode(module.encoding, errors="replace")
    is_test = config.is_test_path(path)
    active = _active_rules(path, text, config, is_test, rule_types)
    if not active:
        return []
    ctx = FileContext(path=path, config=config, source=text, module=module, is_test=is_test)
    ctx.imports = collect_imports(module)
    rules = [rule_type(ctx) for rule_type in active]
    try:
        walk(module, ctx, rules)
    # Per-file isolation (STYLE.md §7): a crashing rule becomes RB905 on this file, the run goes on.
    except Exception as err:  # noqa: BLE001
        return [meta_finding(INTERNAL_ERROR, path, f"a rule crashed on this file: {type(err).__name__}: {err}", 1, 1)]
    if not ctx.reports:
        return []
    return _resolve(path, module, ctx.reports, {r.code: r for r in active})


def _syntax_error_location(source: bytes, err: cst.ParserSyntaxError) -> tuple[int, int, str]:
    """libcst's native parser points at the token after the error; CPython's points at the error."""
    try:
        ast.parse(source)
    except SyntaxError as syntax:
        if syntax.lineno:
            return syntax.lineno, syntax.offset or 1, syntax.msg
    except ValueError:  # source with NUL bytes
        pass
    return err.editor_line, err.editor_column, err.message


def _resolve(
    path: str, module: cst.Module, reports: list[Report], rules: dict[str, type[PythonRule]]
) -> list[Finding]:
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)
    findings: list[Finding] = []
    seen: set[tuple[str, int, int, str]] = set()
    for report in reports:
        rule = rules[report.code]
        where: CodeRange | None = positions.get(report.node)
        if where is None:
            continue
        span = Span(where.start.line, where.start.column + 1, where.end.line, where.end.column + 1)
        key = (report.code, span.line, span.column, report.message)
        if key in seen:
            continue
        seen.add(key)
        fix = None
        if report.replacement is not None:
            fix = Fix(report.replacement, span, safe=rule.fix_safety.value == "safe")
        findings.append(
            Finding(
                rule=report.code,
                family=rule.family.value,
                severity=report.severity,
                path=path,
                span=span,
                message=report.message,
                help=rule.help,
                fix=fix,
                confidence=report.confidence,
            )
        )
    return findings


# ----------------------------------------------------------------- the analyzer

_WORKER_STATE: dict[str, object] = {}

# Below this much source a process pool costs more (start-up, imports) than it saves: libcst
# parses about 1 MB of Python per second per core (saleor: 2 MB in 2.4 s), a worker costs ~0.3 s to start.
MIN_BYTES_FOR_POOL = 600_000


def _init_worker(root: str, config: Config) -> None:
    _WORKER_STATE["root"] = root
    _WORKER_STATE["config"] = config


def _run_job(job: FileJob) -> list[Finding]:
    root = _WORKER_STATE["root"]
    config = _WORKER_STATE["config"]
    assert isinstance(root, str) and isinstance(config, Config)  # set by _init_worker
    return _run_one(root, config, job)


def _run_one(root: str, config: Config, job: FileJob) -> list[Finding]:
    try:
        source = _read_source(root, job)
    except OSError as err:
        return [meta_finding(PARSE_ERROR, job.path, f"cannot read: {err.strerror}", 1, 1)]
    return analyze_source(job.path, source, config)


def _source_bytes(root: str, jobs: list[FileJob]) -> int:
    total = 0
    for job in jobs:
        if job.text is not None:
            total += len(job.text)
        else:
            try:
                total += os.path.getsize(os.path.join(root, job.path))
            except OSError:
                continue  # reported as unreadable when the job runs
    return total


def python_files(changes: ChangeSet, config: Config) -> list[FileChange]:
    """Python files for the payment rules; migration modules belong to the migrations analyzer,
    so each file is parsed once."""
    return [
        f
        for f in changes.files
        if f.path.endswith(_PYTHON_SUFFIXES) and not is_python_migration_path(f.path, config)
    ]


class PythonAnalyzer:
    """reviewbot's own Python rules (RB1xx, RB2xx, RB3xx, RB5xx, RB7xx)."""

    name = "reviewbot"

    def analyze(self, changes: ChangeSet, config: Config, progress: Progress) -> AnalyzerResult:
        started = time.perf_counter()
        jobs = [FileJob(f.path, f.text) for f in python_files(changes, config)]
        findings: list[Finding] = []
        workers = config.jobs or (os.cpu_count() or 1)
        if workers > 1 and len(jobs) > 1 and _source_bytes(changes.root, jobs) >= MIN_BYTES_FOR_POOL:
            chunk = max(1, len(jobs) // (workers * 8))
            with ProcessPoolExecutor(
                max_workers=workers, initializer=_init_worker, initargs=(changes.root, config)
            ) as pool:
                for done, result in enumerate(pool.map(_run_job, jobs, chunksize=chunk), start=1):
                    findings.extend(result)
                    progress.advance("python", done, len(jobs))
        else:
            for done, job in enumerate(jobs, start=1):
                findings.extend(_run_one(changes.root, config, job))
                progress.advance("python", done, len(jobs))
        return AnalyzerResult(
            name=self.name,
            findings=tuple(findings),
            seconds=time.perf_counter() - started,
            files=len(jobs),
            read=tuple(job.path for job in jobs),
        )
