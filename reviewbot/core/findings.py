"""Finding, Severity, Span, Fix: the one currency every analyzer returns."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is more severe: error 3, warning 2, info 1."""
        return {"error": 3, "warning": 2, "info": 1}[self.value]


class Confidence(StrEnum):
    """How sure the rule is that the hazard reaches money (DESIGN.md, "Evidence and confidence").

    high: the rule saw it (a float flowing into a PSP call or a money column, an exception swallowed
    around a money-moving call, a request value compared with a secret); medium: strong signs short
    of that (money-named values in money arithmetic); low: a name or a shape alone.
    """

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        """Higher is surer: high 3, medium 2, low 1."""
        return {"high": 3, "medium": 2, "low": 1}[self.value]


@dataclass(frozen=True, slots=True)
class Span:
    """1-based lines, 1-based columns; end is inclusive of the last line."""

    line: int
    column: int = 1
    end_line: int = 0
    end_column: int = 0

    def __post_init__(self) -> None:
        if self.end_line < self.line:
            object.__setattr__(self, "end_line", self.line)

    @property
    def lines(self) -> range:
        return range(self.line, self.end_line + 1)


@dataclass(frozen=True, slots=True)
class Fix:
    """A replacement for the text of `span`; `safe` fixes keep behaviour unchanged."""

    replacement: str
    span: Span
    safe: bool = False


@dataclass(frozen=True, slots=True)
class Finding:
    """One defect at one place. DESIGN.md's JSON finding is its serialised form."""

    rule: str
    family: str
    severity: Severity
    path: str
    span: Span
    message: str
    help: str = ""
    tool: str = "reviewbot"
    fix: Fix | None = None
    fingerprint: str = ""
    confidence: Confidence = Confidence.HIGH
    # Set by the gate: whether the finding sits on changed lines, and whether it blocks.
    in_diff: bool = True
    blocking: bool = False

    @property
    def line(self) -> int:
        return self.span.line

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.span.line, self.span.column, self.rule, self.message)

    def with_changes(self, **changes: object) -> Finding:
        """A copy with some fields changed (dataclasses.replace, typed loosely on purpose)."""
        return replace(self, **changes)  # type: ignore[arg-type]  # replace() checks names at run time


def sort_findings(findings: list[Finding] | tuple[Finding, ...]) -> list[Finding]:
    """Deterministic order: path, line, column, rule, message."""
    return sorted(findings, key=lambda f: f.sort_key)
