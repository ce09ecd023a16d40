"""TreeSitterRule: the base of every TypeScript and Go rule, and the per-file context it reads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar, TypeVar, cast

import tree_sitter

from reviewbot.analyzers.documented import DocumentedRule
from reviewbot.analyzers.treesitter.nodes import descendants, node_text
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

    @property
    def root(self) -> Node:
        return self.tree.root_node

    def text(self, node: Node) -> str:
        """The node's source text."""
        return node_text(node)

    def descendants(self, node: Node, *types: str) -> list[Node]:
        """Nodes of these types inside `node` (itself included), in document order."""
        return descendants(self.language, node, types)

    def all_of(self, node_type: str) -> list[Node]:
        """Every node of `node_type` in the file, in document order (the engine's query's when it has them)."""
        found = self._sorted.get(node_type)
        if found is None:
            captured = self.captured.get(node_type)
            if captured is None:
                found = descendants(self.language, self.root, (node_type,))
            else:
                found = sorted(captured, key=lambda n: (n.start_byte, -n.end_byte))
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
