"""Parse each Python file once with libcst and run every active rule in one walk.

Cost model (issue #2): a libcst CSTVisitor rebuilds every node it visits and PositionProvider
re-generates the whole module's code, 1x and ~4x a bare parse. So the walk here reads the
dataclass fields of each node directly (about a fifth of a parse), rules are only instantiated
for files whose text contains one of their trigger words, and positions are resolved only for
the nodes some rule reported (positions.py).
"""

from __future__ import annotations

import ast
import gc
import io
import os
import tokenize
from collections.abc import Callable, Sequence
from pathlib import Path

import ahocorasick_rs
import libcst as cst
from libcst.metadata import CodeRange

from reviewbot.analyzers.python.analyzer import FileJob
from reviewbot.analyzers.python.names import NODE_FIELDS, WALKED_NODE_TYPES, collect_imports, node_fields
from reviewbot.analyzers.python.positions import report_positions
from reviewbot.analyzers.python.rule import FileContext, PythonRule, Report
from reviewbot.analyzers.python.rules import RULES
from reviewbot.config import Config
from reviewbot.core.findings import Finding, Fix, Span
from reviewbot.core.meta import INTERNAL_ERROR, PARSE_ERROR, bounded, meta_finding

Handler = Callable[[cst.CSTNode], object]


# Per rule class: (node type, method name) of each visit_/leave_ method, in dir() order. A `dir()` of
# every active class per file cost more than the walk of most files.
_HANDLER_NAMES: dict[type, tuple[tuple[tuple[type, str], ...], tuple[tuple[type, str], ...]]] = {}


def _handler_names(rule_type: type) -> tuple[tuple[tuple[type, str], ...], tuple[tuple[type, str], ...]]:
    found = _HANDLER_NAMES.get(rule_type)
    if found is None:
        visits: list[tuple[type, str]] = []
        leaves: list[tuple[type, str]] = []
        for attr in dir(rule_type):
            if attr.startswith("visit_"):
                table, type_name = visits, attr[6:]
            elif attr.startswith("leave_"):
                table, type_name = leaves, attr[6:]
            else:
                continue
            node_type = getattr(cst, type_name, None)
            if not isinstance(node_type, type):
                raise TypeError(f"{rule_type.__name__}.{attr}: libcst has no node {type_name}")
            table.append((node_type, attr))
        found = _HANDLER_NAMES[rule_type] = (tuple(visits), tuple(leaves))
    return found


def _dispatch_table(
    rules: Sequence[PythonRule],
) -> tuple[dict[type, list[Handler]], dict[type, list[Handler]]]:
    visits: dict[type, list[Handler]] = {}
    leaves: dict[type, list[Handler]] = {}
    for rule in rules:
        visit_names, leave_names = _handler_names(type(rule))
        for node_type, attr in visit_names:
            visits.setdefault(node_type, []).append(getattr(rule, attr))
        for node_type, attr in leave_names:
            leaves.setdefault(node_type, []).append(getattr(rule, attr))
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


def _active_rules(
    path: str, text: str, config: Config, is_test: bool, rule_types: Sequence[type[PythonRule]]
) -> list[type[PythonRule]]:
    candidates: list[tuple[type[PythonRule], tuple[str, ...]]] = []
    for rule_type in rule_types:
        if is_test and config.test_policy == "relaxed" and not rule_type.runs_on_tests:
            continue
        if not config.is_selected(rule_type.code, rule_type.family.value, path):
            continue
        candidates.append((rule_type, rule_type.triggers_for(config)))
    present = _words_present(text, tuple(word for _, triggers in candidates for word in triggers))
    return [rule_type for rule_type, triggers in candidates if not triggers or any(t in present for t in triggers)]


# Per set of trigger words: one Aho-Corasick automaton finds which of them occur in a file in one pass
# (a `word in text` per word scanned a file that holds none of them once for each of ~100 words).
_AUTOMATA: dict[tuple[str, ...], ahocorasick_rs.AhoCorasick | None] = {}


def _words_present(text: str, words: tuple[str, ...]) -> frozenset[str]:
    if "" in words:  # an empty trigger word occurs in every text
        words = tuple(word for word in words if word)
        return frozenset({"", *_words_present(text, words)})
    if words not in _AUTOMATA:
        unique = sorted(set(words))
        _AUTOMATA[words] = (
            ahocorasick_rs.AhoCorasick(unique, implementation=ahocorasick_rs.Implementation.DFA) if unique else None
        )
    automaton = _AUTOMATA[words]
    if automaton is None:
        return frozenset()
    # Overlapping matches: a word inside another (`amount` in `amount_cents`) is present too.
    return frozenset(automaton.find_matches_as_strings(text, overlapping=True))


# A physical line longer than this may hide an expression thousands of levels deep (`x = a.b.b.b…`),
# which libcst parses in time quadratic in the depth; such files are measured with CPython's parser
# first. Hand-written code stays far below both numbers (10,136 files of pretix, stripe, the standard
# library and our dependencies: longest lines in the hundreds of bytes, deepest syntax tree 63 levels).
LONG_LINE_BYTES = 4096
MAX_SYNTAX_DEPTH = 1000


def analyze_source(
    path: str,
    source: bytes,
    config: Config,
    rule_types: Sequence[type[PythonRule]] = RULES,
) -> list[Finding]:
    """All findings of the active rules on one file's bytes; a file that cannot be parsed is RB901."""
    # No cyclic garbage collection while one file is parsed and walked: a libcst tree is a few hundred
    # thousand objects that live exactly as long as this call and hold no cycles, and each full
    # collection while it lives traverses all of them, so the collector's cost grew with the square of
    # the file (pretix's orders.py repeated 4x: 3.6 s with it, 2.1 s without). What cycles the rules
    # make are collected once it is back on.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _analyze_source(path, source, config, rule_types)
    finally:
        if collecting:
            gc.enable()


def _analyze_source(
    path: str, source: bytes, config: Config, rule_types: Sequence[type[PythonRule]]
) -> list[Finding]:
    try:
        text = _decode(source)
    except _Unparsable as err:
        return [meta_finding(PARSE_ERROR, path, f"cannot parse: {err.message}", err.line, 1)]
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as err:
        line, column, message = _syntax_error_location(source, err)
        return [meta_finding(PARSE_ERROR, path, f"cannot parse: {message}", line, column)]
    except (UnicodeError, LookupError, SyntaxError, ValueError) as err:
        return [meta_finding(PARSE_ERROR, path, f"cannot parse: {err}", 1, 1)]
    except (RecursionError, MemoryError):
        return [meta_finding(PARSE_ERROR, path, "cannot parse: the file is nested too deeply for the parser", 1, 1)]
    is_test = config.is_test_path(path)
    active = _active_rules(path, text, config, is_test, rule_types)
    if not active:
        return []
    ctx = FileContext(path=path, config=config, source=text, module=module, is_test=is_test)
    try:
        ctx.imports = collect_imports(module)
        rules = [rule_type(ctx) for rule_type in active]
        walk(module, ctx, rules)
        if not ctx.reports:
            return []
        return _resolve(path, module, source, ctx.reports, {r.code: r for r in active})
    except RecursionError:
        # Only in-process: worker processes (the analyzer's path) run with a deep stack.
        return [meta_finding(PARSE_ERROR, path, "not analysed: the file is nested too deeply to walk in this process", 1, 1)]
    # Per-file isolation (STYLE.md §7): a crashing rule becomes RB905 on this file, the run goes on.
    except Exception as err:  # noqa: BLE001
        return [meta_finding(INTERNAL_ERROR, path, f"a rule crashed on this file: {type(err).__name__}: {err}", 1, 1)]


class _Unparsable(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def _decode(source: bytes) -> str:
    """The file's text, or _Unparsable when the bytes cannot be handed to libcst: a coding cookie
    naming a codec that does not decode text (rot13, hex, zlib, idna…), bytes its codec rejects, or
    an expression too deep to parse in bounded time."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    except SyntaxError as err:  # an unknown codec, or a cookie that contradicts a BOM
        raise _Unparsable(1, err.msg) from err
    try:
        # Decoding here is cheap; `module.code` would re-generate the whole file (about a parse).
        text = source.decode(encoding)
    except LookupError as err:
        raise _Unparsable(1, f"the coding cookie names {encoding!r}, which is not a text encoding") from err
    except UnicodeDecodeError as err:
        line = source.count(b"\n", 0, err.start) + 1
        raise _Unparsable(line, f"the file is not valid {encoding}: {err.reason} at byte {err.start}") from err
    except UnicodeError as err:
        raise _Unparsable(1, f"the coding cookie names {encoding!r}, which cannot decode a Python file") from err
    if max(map(len, source.splitlines()), default=0) > LONG_LINE_BYTES:
        deep_at = _too_deep(source)
        if deep_at is not None:
            raise _Unparsable(deep_at, f"an expression is nested more than {MAX_SYNTAX_DEPTH} levels deep")
    return text


def _too_deep(source: bytes) -> int | None:
    """The line of a syntax tree deeper than MAX_SYNTAX_DEPTH (by CPython's parser), or None."""
    try:
        tree = ast.parse(source)
    except (RecursionError, MemoryError):  # past CPython's own limits: deeper than we accept
        return 1
    except (SyntaxError, ValueError):  # libcst reports the syntax error
        return None
    stack: list[tuple[ast.AST, int, int]] = [(tree, 1, 1)]
    while stack:
        node, depth, line = stack.pop()
        line = getattr(node, "lineno", line)
        if depth > MAX_SYNTAX_DEPTH:
            return line
        stack.extend((child, depth + 1, line) for child in ast.iter_child_nodes(node))
    return None


def _syntax_error_location(source: bytes, err: cst.ParserSyntaxError) -> tuple[int, int, str]:
    """libcst's native parser points at the token after the error; CPython's points at the error."""
    try:
        ast.parse(source)
    except SyntaxError as syntax:
        if syntax.lineno:
            return syntax.lineno, syntax.offset or 1, bounded(syntax.msg)
    except (ValueError, RecursionError, MemoryError):  # NUL bytes; nesting beyond CPython's limits
        pass
    return err.editor_line, err.editor_column, bounded(err.message)


def _resolve(
    path: str, module: cst.Module, source: bytes, reports: list[Report], rules: dict[str, type[PythonRule]]
) -> list[Finding]:
    positions = report_positions(module, source, [report.node for report in reports])
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


# ----------------------------------------------------------------- one job in a worker


def run_job(root: str, config: Config, job: FileJob) -> list[Finding]:
    """One file in a worker: too large is RB901, unreadable RB901, otherwise every active rule."""
    try:
        size = len(job.text.encode("utf-8", "surrogateescape")) if job.text is not None else (
            os.path.getsize(os.path.join(root, job.path))
        )
        if size > config.max_file_bytes:
            return [_too_large(job.path, size, config.max_file_bytes, job.first_line)]
        source = job.text.encode("utf-8") if job.text is not None else (Path(root) / job.path).read_bytes()
    except OSError as err:
        return [meta_finding(PARSE_ERROR, job.path, f"cannot read: {err.strerror or err}", 1, 1)]
    return analyze_source(job.path, source, config)


def _too_large(path: str, size: int, limit: int, line: int) -> Finding:
    # libcst holds about 500 bytes per byte of source while it parses (a 3 MB file peaked at 1.4 GB).
    return meta_finding(
        PARSE_ERROR,
        path,
        f"not analysed: the file is {_megabytes(size)}, over max-file-bytes ({_megabytes(limit)}); "
        "raise max-file-bytes in [tool.reviewbot] or exclude the file",
        line,
        1,
    )


def _megabytes(size: int) -> str:
    return f"{size / 1_048_576:.1f} MiB" if size >= 104_858 else f"{size:,} bytes"
