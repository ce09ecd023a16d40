r"""Parse each TypeScript or Go file once with tree-sitter and run every active rule of its language on it.

Cost model: a tree-sitter parse is C; so is one query that captures every node of the types the
active rules visit (a fifth of a parse on real code). The Python-side work is the handlers on the
captured nodes, and positions, computed only for the nodes a rule reported. Rules are instantiated
only for files whose text contains one of their trigger words.

Error recovery: tree-sitter always returns a tree. A MISSING token (a zero-width node it inserted,
e.g. on `sql<T>\`...\`` tagged templates the grammar does not know) is ignored: the file is valid
TypeScript more often than not. An ERROR node means text the parser had to skip: the rest of the
file is still analysed, and the file gets one RB901 at the first skipped text, because what was
skipped was not checked, unless the language knows the ERROR as a gap of its grammar on valid code.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import ahocorasick_rs
import tree_sitter

from reviewbot.analyzers.treesitter import grammars
from reviewbot.analyzers.treesitter.analyzer import FileJob
from reviewbot.analyzers.treesitter.nodes import captures, first_error, one_line
from reviewbot.analyzers.treesitter.rule import FileContext, Report, TreeSitterRule
from reviewbot.config import Config
from reviewbot.core.findings import Finding, Span
from reviewbot.core.meta import INTERNAL_ERROR, PARSE_ERROR, meta_finding


@dataclass(frozen=True, slots=True)
class LanguageSpec:
    """One language's analyzer: its name, which grammar parses which suffix, and its rules."""

    name: str  # "typescript", "go": the analyzer's name in stats and the `languages` config key
    grammars: tuple[tuple[str, str], ...]  # (suffix, grammar name), e.g. (".tsx", "tsx")
    rules: tuple[type[TreeSitterRule], ...]
    # ERROR nodes the grammar produces on valid code (a module-level function, so the spec pickles).
    tolerated_error: Callable[[tree_sitter.Node], bool] | None = None
    # Called before each file is walked (drops per-file caches keyed by node).
    before_file: Callable[[], None] | None = None
    # The callee's last name of a call node (`stripe.refunds.create(...)` -> "create"), for `call_names`.
    call_name: Callable[[tree_sitter.Node], str] | None = None
    # One query of every node type the rules visit, for every file, instead of one per set of active
    # rules: worth it where a query is dear to compile (TypeScript's grammar: about 2 ms whatever the
    # query holds, and a 500-file project met 30 sets) and cheap extra captures cost less than that.
    # Go's queries compile in 0.4 ms and its extra captures cost more: a query per set.
    shared_query: bool = False
    # With a shared query: node types the rules search with `ctx.descendants` that it captures too, so
    # that those searches read its captures instead of compiling a query each (common types such as
    # `identifier` stay out: capturing them in every file would cost more than it saves).
    searched: tuple[str, ...] = ()

    @property
    def suffixes(self) -> tuple[str, ...]:
        return tuple(suffix for suffix, _ in self.grammars)

    def grammar_for(self, path: str) -> str | None:
        for suffix, grammar in self.grammars:
            if path.endswith(suffix):
                return grammar
        return None


def _active_rules(
    path: str, text: bytes, config: Config, rule_types: Sequence[type[TreeSitterRule]]
) -> tuple[list[type[TreeSitterRule]], bool]:
    """The rules to run on this file, and whether it is test code (decided only when a rule could run)."""
    index = _trigger_index(tuple(rule_types))
    present = index.present(text)
    candidates = [
        rule_type for rule_type, groups in index.rules
        if all(not present.isdisjoint(group) for group in groups)
    ]
    if not candidates:
        return [], False
    is_test = config.is_test_path(path)
    relaxed = is_test and config.test_policy == "relaxed"
    active = [
        r for r in candidates
        if not (relaxed and not r.runs_on_tests) and config.is_selected(r.code, r.family.value, path)
    ]
    return active, is_test


@dataclass(frozen=True, slots=True)
class TriggerIndex:
    """Every trigger word of a set of rules, found in one pass over a file's bytes (Aho-Corasick)."""

    # (rule, its groups as word numbers): the rule can apply when each group has a word in the file.
    rules: tuple[tuple[type[TreeSitterRule], tuple[frozenset[int], ...]], ...]
    automaton: ahocorasick_rs.BytesAhoCorasick | None  # None: no rule has trigger words

    def present(self, text: bytes) -> set[int]:
        """The numbers of the words that occur in `text` (overlapping occurrences count: `PDATE` in `UPDATE`)."""
        if self.automaton is None:
            return set()
        return {word for word, _, _ in self.automaton.find_matches_as_indexes(text, overlapping=True)}


_TRIGGERS: dict[tuple[type[TreeSitterRule], ...], TriggerIndex] = {}


def _trigger_index(rule_types: tuple[type[TreeSitterRule], ...]) -> TriggerIndex:
    """The index of `rule_types` (retired rules left out), built once per process and set of rules."""
    found = _TRIGGERS.get(rule_types)
    if found is None:
        words: dict[bytes, int] = {}
        rules: list[tuple[type[TreeSitterRule], tuple[frozenset[int], ...]]] = []
        for rule_type in rule_types:
            if rule_type.retired:
                continue
            groups = (rule_type.triggers, *rule_type.requires) if rule_type.triggers else rule_type.requires
            rules.append((
                rule_type,
                tuple(
                    frozenset(words.setdefault(w.encode(), len(words)) for w in group)
                    for group in groups
                    if group and "" not in group  # an empty word occurs in every text
                ),
            ))
        automaton = (
            ahocorasick_rs.BytesAhoCorasick(list(words), implementation=ahocorasick_rs.Implementation.DFA)
            if words else None
        )
        found = _TRIGGERS[rule_types] = TriggerIndex(tuple(rules), automaton)
    return found


_SHARED: dict[tuple[tuple[type[TreeSitterRule], ...], tuple[str, ...]], tuple[str, ...]] = {}


def _shared_types(spec: LanguageSpec, rules: tuple[type[TreeSitterRule], ...]) -> tuple[str, ...]:
    """The node types of a language's shared query: every type its rules visit, and those they search."""
    key = (rules, spec.searched)
    found = _SHARED.get(key)
    if found is None:
        visited = _node_types(rule for rule, _ in _trigger_index(rules).rules)  # retired rules left out
        found = _SHARED[key] = tuple(sorted({*visited, *spec.searched}))
    return found


def _node_types(rule_types: Iterable[type[TreeSitterRule]]) -> tuple[str, ...]:
    """Every node type these rules visit, sorted (the key of a compiled query)."""
    return tuple(sorted({t for rule_type in rule_types for t in rule_type.node_types()}))


def analyze_source(
    path: str,
    source: bytes,
    config: Config,
    spec: LanguageSpec,
    rule_types: Sequence[type[TreeSitterRule]] | None = None,
) -> list[Finding]:
    """All findings of the active rules on one file's bytes (RB901 for skipped text, RB905 for a crash)."""
    grammar = spec.grammar_for(path)
    if grammar is None:
        return []
    # A file that holds no rule's trigger words is not parsed at all: no rule could report on it, so
    # neither could text the parser skipped hide anything (about a third of real TypeScript and Go).
    rules = tuple(spec.rules if rule_types is None else rule_types)
    active, is_test = _active_rules(path, source, config, rules)
    if not active:
        return []
    tree = grammars.parse(grammar, source)
    findings: list[Finding] = []
    error = first_error(tree.root_node, spec.tolerated_error)
    if error is not None:
        line, column = _position(source, error.start_byte, error.start_point)
        findings.append(
            meta_finding(
                PARSE_ERROR, path,
                f"cannot parse `{one_line(_text(source, error), 40)}`: tree-sitter skipped this text, "
                "the rest of the file was checked",
                line, column,
            )
        )
    if spec.before_file is not None:
        spec.before_file()
    ctx = FileContext(
        path=path, config=config, source=source, tree=tree, language=grammars.language(grammar), is_test=is_test
    )
    try:
        query_types = _shared_types(spec, rules) if spec.shared_query else _node_types(active)
        _walk(ctx, [rule_type(ctx) for rule_type in active], spec.call_name, query_types)
    # Per-file isolation (STYLE.md §7): a crashing rule becomes RB905 on this file, the run goes on.
    except Exception as err:  # noqa: BLE001
        return [
            *findings,
            meta_finding(INTERNAL_ERROR, path, f"a rule crashed on this file: {type(err).__name__}: {err}", 1, 1),
        ]
    return findings + _resolve(path, source, ctx.reports, {r.code: r for r in active})


Handler = Callable[[tree_sitter.Node], None]


def _walk(
    ctx: FileContext,
    rules: Sequence[TreeSitterRule],
    call_name: Callable[[tree_sitter.Node], str] | None,
    query_types: tuple[str, ...],
) -> None:
    """One query over the tree for `query_types` (at least the node types the rules visit; see
    `LanguageSpec.shared_query`), then the rules' handlers, then finish()."""
    handlers: dict[str, list[Handler]] = {}
    # Call handlers filtered by callee name: (names, prefixes, handler); names None means every call.
    filtered: list[tuple[frozenset[str] | None, tuple[str, ...], Handler]] = []
    for rule in rules:
        for node_type in rule.node_types():
            handler = getattr(rule, "visit_" + node_type)
            if node_type == CALL and call_name is not None and (rule.call_names is not None or rule.call_prefixes):
                filtered.append((rule.call_names, rule.call_prefixes, handler))
                handlers.setdefault(node_type, [])
            else:
                handlers.setdefault(node_type, []).append(handler)
    found = captures(ctx.language, ctx.root, query_types)
    ctx.captured.update(found)
    for node_type in query_types:
        ctx.captured.setdefault(node_type, [])
    for node_type, nodes in found.items():
        calls = handlers.get(node_type)
        if calls is None:
            continue
        if node_type == CALL and filtered and call_name is not None:
            for node in nodes:
                name = call_name(node)
                for handler in calls:
                    handler(node)
                for names, prefixes, handler in filtered:
                    if (names is not None and name in names) or (prefixes and name.startswith(prefixes)):
                        handler(node)
            continue
        for node in nodes:
            for handler in calls:
                handler(node)
    for rule in rules:
        rule.finish()


CALL = "call_expression"  # the call node of both grammars


def _text(source: bytes, node: tree_sitter.Node) -> str:
    return source[node.start_byte : node.end_byte].decode("utf-8", errors="replace")


def _position(source: bytes, offset: int, point: tree_sitter.Point) -> tuple[int, int]:
    """1-based line and character column of a byte offset (tree-sitter's columns count bytes)."""
    line_start = offset - point.column
    column = len(source[line_start:offset].decode("utf-8", errors="replace")) + 1
    return point.row + 1, column


def _resolve(
    path: str, source: bytes, reports: list[Report], rules: dict[str, type[TreeSitterRule]]
) -> list[Finding]:
    findings: list[Finding] = []
    seen: set[tuple[str, int, int, str]] = set()
    for report in reports:
        rule = rules[report.code]
        node = report.node
        line, column = _position(source, node.start_byte, node.start_point)
        end_line, end_column = _position(source, node.end_byte, node.end_point)
        key = (report.code, line, column, report.message)
        if key in seen:
            continue
        seen.add(key)
        findings.append(
            Finding(
                rule=report.code,
                family=rule.family.value,
                severity=report.severity,
                path=path,
                span=Span(line, column, end_line, end_column),
                message=report.message,
                help=rule.help,
                confidence=report.confidence,
            )
        )
    return findings


# ----------------------------------------------------------------- one file of a run


def run_one(root: str, config: Config, spec: LanguageSpec, job: FileJob) -> list[Finding]:
    """Read (or take the staged text of) one file and analyse it."""
    if job.text is not None:
        source = job.text.encode("utf-8")
    else:
        try:
            with open(os.path.join(root, job.path), "rb") as handle:
                source = handle.read()
        except OSError as err:
            return [meta_finding(PARSE_ERROR, job.path, f"cannot read: {err.strerror}", 1, 1)]
    return analyze_source(job.path, source, config, spec)
