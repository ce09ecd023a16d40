"""TreeSitterRule: the base of every TypeScript and Go rule, and the per-file context it reads."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar, TypeVar, cast

import tree_sitter

from reviewbot.analyzers.documented import DocumentedRule
from reviewbot.analyzers.treesitter.nodes import ancestors, descendants, document_order, node_text
from reviewbot.config import Config
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import RuleInfo

Node = tree_sitter.Node
T = TypeVar("T")


@dataclass(slots=True)
class Report:
    """A finding before positions are known: the node, and what to say about it."""

    node: Node
    code: str
    message: str
    severity: Severity
    confidence: Confidence = Confidence.HIGH


@dataclass(slots=True)
class FileContext:
    """What every rule may read about the file being checked."""

    path: str
    config: Config
    source: bytes
    tree: tree_sitter.Tree
    language: tree_sitter.Language
    is_test: bool = False
    reports: list[Report] = field(default_factory=list)
    # Facts about the whole file (imports, bindings, ...) computed once, on demand, for every rule.
    _facts: dict[Callable[[FileContext], object], object] = field(default_factory=dict)
    # The engine's one query over the file: node type -> nodes, for the types the active rules visit.
    captured: dict[str, list[Node]] = field(default_factory=dict)
    _sorted: dict[str, list[Node]] = field(default_factory=dict)
    _starts: dict[str, list[int]] = field(default_factory=dict)

    @property
    def root(self) -> Node:
        return self.tree.root_node

    def text(self, node: Node) -> str:
        """The node's source text."""
        return node_text(node)

    def descendants(self, node: Node, *types: str) -> list[Node]:
        """Nodes of these types inside `node` (itself included), in document order.

        Types the engine's query captured are read from its captures, by a binary search for the node's
        span, instead of a query over the subtree: no walk of the subtree, and no query to compile (a
        query costs ~2 ms to compile on TypeScript's grammar, whatever it holds)."""
        if not all(node_type in self.captured for node_type in types):
            return descendants(self.language, node, types)
        start, end = node.start_byte, node.end_byte
        found: list[Node] = []
        for node_type in types:
            starts, nodes = self._spans(node_type)
            for index in range(bisect_left(starts, start), len(starts)):
                if starts[index] > end:
                    break
                candidate = nodes[index]
                if candidate.end_byte <= end and _below(candidate, node, start, end):
                    found.append(candidate)
        if len(types) > 1:
            found.sort(key=document_order)
            _enclosing_first(found)
        return found

    def _spans(self, node_type: str) -> tuple[list[int], list[Node]]:
        """The captured nodes of a type in document order, and their start bytes (for bisection)."""
        known = self._starts.get(node_type)
        nodes = self.all_of(node_type)
        if known is None:
            known = self._starts[node_type] = [n.start_byte for n in nodes]
        return known, nodes

    def all_of(self, node_type: str) -> list[Node]:
        """Every node of `node_type` in the file, in document order (the engine's query's when it has them)."""
        found = self._sorted.get(node_type)
        if found is None:
            captured = self.captured.get(node_type)
            if captured is None:
                found = descendants(self.language, self.root, (node_type,))
            else:
                found = sorted(captured, key=document_order)
            self._sorted[node_type] = found
        return found

    def fact(self, compute: Callable[[FileContext], T]) -> T:
        """`compute(self)`, computed once per file and shared by every rule that asks."""
        if compute in self._facts:
            # Stored below by this same `compute`, whose return type is T.
            return cast(T, self._facts[compute])
        value = compute(self)
        self._facts[compute] = value
        return value


def _enclosing_first(nodes: list[Node]) -> None:
    """Put nodes of one span (a statement and the call it is) in the order a walk meets them: outer first."""
    index = 0
    while index < len(nodes) - 1:
        span = (nodes[index].start_byte, nodes[index].end_byte)
        last = index + 1
        while last < len(nodes) and (nodes[last].start_byte, nodes[last].end_byte) == span:
            last += 1
        if last - index > 1:
            nodes[index:last] = sorted(nodes[index:last], key=_depth)
        index = last


def _depth(node: Node) -> int:
    return sum(1 for _ in ancestors(node))


def _below(candidate: Node, node: Node, start: int, end: int) -> bool:
    """Whether `candidate`, which lies within `node`'s span [start, end], is `node` or inside it.

    Spans of a syntax tree nest, so a node within the span that is not below `node` must be an
    ancestor with the very same span, or an empty node (a MISSING token) on an edge of it."""
    if (candidate.start_byte != start or candidate.end_byte != end) and candidate.start_byte != candidate.end_byte:
        return True
    return candidate == node or any(parent == node for parent in ancestors(candidate))


_NODE_TYPES: dict[type, tuple[str, ...]] = {}


class TreeSitterRule(DocumentedRule):
    """Subclass, set the class fields, and write `visit_<node_type>(self, node)` methods.

    The engine runs one query per file for the node types of every active rule and calls the
    handlers of one type in the query's order (document order, except that a match nested in another
    may come after later siblings); types are dispatched one after the other, so a rule
    reads what it needs around a node (parents, the enclosing function, `ctx.fact`) instead of
    relying on the order between types. `finish()` runs after every node was visited.
    """

    language: ClassVar[str]
    # The rule runs on a file only if one of these substrings occurs in its text (empty: always)...
    triggers: ClassVar[tuple[str, ...]] = ()
    # ...and one substring of each of these groups too (what the hazard needs besides: a sink, a write).
    requires: ClassVar[tuple[tuple[str, ...], ...]] = ()
    # Whether the rule runs on test code under test-policy "relaxed" (see README, "Test code").
    runs_on_tests: ClassVar[bool] = False
    retired: ClassVar[bool] = False
    # `visit_call_expression` only for calls whose callee's last name is one of these, or starts with
    # one of the prefixes (None: every call). The engine computes that name once per call for all rules.
    call_names: ClassVar[frozenset[str] | None] = None
    call_prefixes: ClassVar[tuple[str, ...]] = ()

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self.config = ctx.config

    @classmethod
    def node_types(cls) -> tuple[str, ...]:
        """The grammar node types this rule visits, from its `visit_<type>` methods."""
        found = _NODE_TYPES.get(cls)
        if found is None:
            found = _NODE_TYPES[cls] = tuple(sorted(attr[6:] for attr in dir(cls) if attr.startswith("visit_")))
        return found

    @classmethod
    def info(cls) -> RuleInfo:
        from dataclasses import replace

        return replace(super().info(), language=cls.language, retired=cls.retired)

    def report(
        self,
        node: Node,
        message: str,
        *,
        severity: Severity | None = None,
        confidence: Confidence = Confidence.HIGH,
    ) -> None:
        """Report `message` at `node`; `confidence` says how directly the rule saw the hazard reach money."""
        self.ctx.reports.append(Report(node, self.code, message, severity or self.severity, confidence))

    def finish(self) -> None:
        """Called once after the walk; rules that collect facts while visiting decide here."""
        return None

    def text(self, node: Node) -> str:
        return node_text(node)
