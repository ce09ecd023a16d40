"""PythonRule: the base class of every libcst rule, and the per-file context it reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import libcst as cst

from reviewbot.analyzers.documented import DocumentedRule
from reviewbot.config import Config
from reviewbot.core.findings import Confidence, Severity


@dataclass(slots=True)
class Report:
    """A finding before positions are known: the node, and what to say about it."""

    node: cst.CSTNode
    code: str
    message: str
    severity: Severity
    replacement: str | None = None
    confidence: Confidence = Confidence.HIGH


@dataclass(slots=True)
class FileContext:
    """What every rule may read about the file being walked."""

    path: str
    config: Config
    source: str
    module: cst.Module
    is_test: bool = False
    # alias -> qualified name, from every import statement in the file
    imports: dict[str, str] = field(default_factory=dict)
    # the ancestors of the node being visited, outermost first (the node itself excluded)
    parents: list[cst.CSTNode] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)

    @property
    def parent(self) -> cst.CSTNode | None:
        return self.parents[-1] if self.parents else None

    def enclosing(self, kind: type[cst.CSTNode]) -> cst.CSTNode | None:
        """The innermost ancestor of the given type."""
        for node in reversed(self.parents):
            if isinstance(node, kind):
                return node
        return None

    def enclosing_function(self) -> cst.FunctionDef | None:
        for node in reversed(self.parents):
            if isinstance(node, cst.FunctionDef):
                return node
        return None


class PythonRule(DocumentedRule):
    """Subclass, set the class fields, and write `visit_<Node>`/`leave_<Node>` methods."""

    # The rule runs on a file only if one of these substrings occurs in its text (empty: always).
    triggers: ClassVar[tuple[str, ...]] = ()
    # Whether the rule runs on test code under test-policy "relaxed" (see README, "Test code").
    runs_on_tests: ClassVar[bool] = False

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self.config = ctx.config

    def report(
        self,
        node: cst.CSTNode,
        message: str,
        *,
        replacement: str | None = None,
        severity: Severity | None = None,
        confidence: Confidence = Confidence.HIGH,
    ) -> None:
        """Report `message` at `node`; `replacement` replaces the node's code as a fix; `confidence`
        says how directly the rule saw the hazard reach money."""
        self.ctx.reports.append(
            Report(node, self.code, message, severity or self.severity, replacement, confidence)
        )

    @classmethod
    def triggers_for(cls, config: Config) -> tuple[str, ...]:
        """The trigger words under this configuration (rules with configurable catalogues extend it)."""
        return cls.triggers
