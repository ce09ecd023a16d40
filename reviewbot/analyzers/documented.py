"""DocumentedRule: the documentation fields every rule carries, and the RuleInfo built from them."""

from __future__ import annotations

from typing import ClassVar

from reviewbot.core.findings import Severity
from reviewbot.core.rules import Bad, Evidence, Family, FixSafety, Good, RuleInfo


class DocumentedRule:
    """Base of PythonRule and MigrationRule: `explain`, `rules` and SARIF read these fields."""

    code: ClassVar[str]
    name: ClassVar[str]
    family: ClassVar[Family]
    severity: ClassVar[Severity]
    summary: ClassVar[str]
    rationale: ClassVar[str]
    help: ClassVar[str]
    options: ClassVar[tuple[str, ...]] = ()
    references: ClassVar[tuple[str, ...]] = ()
    examples: ClassVar[tuple[Bad | Good, ...]] = ()
    fix_safety: ClassVar[FixSafety] = FixSafety.NONE
    # What the rule must see for each confidence level it reports (DESIGN.md, "Evidence and confidence").
    evidence: ClassVar[tuple[Evidence, ...]] = ()

    @classmethod
    def info(cls) -> RuleInfo:
        return RuleInfo(
            code=cls.code,
            name=cls.name,
            family=cls.family,
            severity=cls.severity,
            summary=cls.summary,
            rationale=cls.rationale,
            help=cls.help,
            examples=cls.examples,
            options=cls.options,
            references=cls.references,
            fix_safety=cls.fix_safety,
            evidence=cls.evidence,
        )
