"""RuleInfo, Family, Bad, Good, FixSafety: what a rule is, independent of how it runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from reviewbot.core.findings import Confidence, Severity


class Family(StrEnum):
    MONEY = "money"
    EXCEPTIONS = "exceptions"
    IDEMPOTENCY = "idempotency"
    MIGRATIONS = "migrations"
    CONCURRENCY = "concurrency"
    TYPES = "types"
    LINT = "lint"
    SECURITY = "security"
    META = "meta"


# The hundreds digit of an RB code names its family (DESIGN.md, "Rule families and codes").
FAMILY_DIGIT: dict[Family, int] = {
    Family.MONEY: 1,
    Family.EXCEPTIONS: 2,
    Family.IDEMPOTENCY: 3,
    Family.MIGRATIONS: 4,
    Family.CONCURRENCY: 5,
    Family.SECURITY: 7,
    Family.META: 9,
}


def family_of_code(code: str) -> Family | None:
    """The family an RB code belongs to, or None for tool codes."""
    if len(code) == 5 and code.startswith("RB") and code[2:].isdigit():
        digit = int(code[2])
        for fam, value in FAMILY_DIGIT.items():
            if value == digit:
                return fam
    return None


class FixSafety(StrEnum):
    NONE = "none"
    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True, slots=True)
class Bad:
    """An example the rule must report; `line` pins the reported line, `fixed` the fix's output,
    `confidence` the confidence the finding must carry (None: not pinned)."""

    code: str
    line: int | None = None
    fixed: str | None = None
    path: str = "payments/example.py"
    confidence: Confidence | None = None


@dataclass(frozen=True, slots=True)
class Evidence:
    """What a rule must see to report at `level` (documented per rule, printed by `explain`)."""

    level: Confidence
    text: str


@dataclass(frozen=True, slots=True)
class Good:
    """An example the rule must stay silent on."""

    code: str
    path: str = "payments/example.py"


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """Everything `explain`, `rules`, SARIF and comment footers say about a rule."""

    code: str
    name: str
    family: Family
    severity: Severity
    summary: str
    rationale: str
    help: str
    examples: tuple[Bad | Good, ...] = ()
    options: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    fix_safety: FixSafety = FixSafety.NONE
    tool: str = "reviewbot"
    language: str = "python"
    lock: str = ""
    postgres: str = ""
    retired: bool = False
    evidence: tuple[Evidence, ...] = ()
    extra: tuple[tuple[str, str], ...] = field(default=())

    @property
    def bad_examples(self) -> tuple[Bad, ...]:
        return tuple(e for e in self.examples if isinstance(e, Bad))

    @property
    def good_examples(self) -> tuple[Good, ...]:
        return tuple(e for e in self.examples if isinstance(e, Good))
