"""MigrationRule: the base class of every RB4xx rule (and RB108), run over a migration's Timeline."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import ClassVar

from reviewbot.analyzers.documented import DocumentedRule
from reviewbot.analyzers.migrations.model import Framework
from reviewbot.analyzers.migrations.timeline import Step, Timeline
from reviewbot.config import Config
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Evidence, Family, RuleInfo

POSTGRES_DOCS = "https://www.postgresql.org/docs/16"

# The hazard of most migration rules is a lock, rewrite or scan of a table that already holds rows and
# serves traffic; what the rule saw of that table sets the confidence.
EXISTING_TABLE_EVIDENCE = (
    Evidence(
        Confidence.HIGH,
        "the table was not created earlier in this migration, and the migrations folder's history either "
        "created it in an earlier migration or does not reach back to the first table (a partial folder, "
        "a single file)",
    ),
    Evidence(
        Confidence.MEDIUM,
        "the folder's history starts with its first tables yet never creates this one (another tool, a "
        "schema dump or an extension made it): whether it holds rows and traffic is not known",
    ),
)


@dataclass(frozen=True, slots=True)
class Report:
    """A rule's verdict on one step: what is wrong there (the lock it takes, on which table)."""

    step: Step
    message: str
    severity: Severity | None = None
    confidence: Confidence = Confidence.HIGH


class MigrationRule(DocumentedRule):
    """Subclass, set the documentation fields, and implement `check`."""

    family: ClassVar[Family] = Family.MIGRATIONS
    severity: ClassVar[Severity] = Severity.ERROR
    # The safe recipe per framework; the finding's help is the one for the file at hand.
    recipes: ClassVar[Mapping[Framework, str]]
    lock: ClassVar[str]
    postgres: ClassVar[str] = "all supported versions"
    # Whether the hazard needs the table to exist with rows and traffic (locks, rewrites, scans, code
    # still reading it). Rules whose statement fails, or is wrong, on any table set this False.
    on_existing_tables: ClassVar[bool] = True
    evidence: ClassVar[tuple[Evidence, ...]] = EXISTING_TABLE_EVIDENCE

    def __init__(self, config: Config) -> None:
        self.config = config
        self.migrations = config.migrations

    def check(self, timeline: Timeline) -> Iterator[Report]:
        raise NotImplementedError

    @classmethod
    def recipe(cls, framework: Framework) -> str:
        return cls.recipes.get(framework, cls.help)

    @classmethod
    def info(cls) -> RuleInfo:
        sql = any(e.path.endswith(".sql") for e in cls.examples)
        return replace(
            super().info(), language="sql" if sql else "python", lock=cls.lock, postgres=cls.postgres
        )


def existing_table_steps(timeline: Timeline) -> Iterator[Step]:
    """Steps on tables that existed before this migration (the only ones whose locks hurt)."""
    for step in timeline.steps:
        if step.op.table is not None and not step.table_is_new:
            yield step


def transaction_phrase(timeline: Timeline, step: Step) -> str:
    """Why this step is inside a transaction: explicit BEGIN, or the runner's wrapping."""
    migration = timeline.migration
    if step.op.in_do_block:
        return "inside a DO block (a function body, always one transaction)"
    if not migration.in_transaction:
        return "inside BEGIN … COMMIT"
    runner = migration.runner.value
    if migration.runner.value in ("golang-migrate", "prisma"):
        return f"inside the implicit transaction {runner} makes of a multi-statement file"
    if migration.runner.value == "django":
        return "inside the atomic Django migration"
    if migration.runner.value == "alembic":
        return "inside Alembic's migration transaction (outside autocommit_block)"
    return f"inside the transaction {runner} wraps the migration in"


def column_label(step: Step) -> str:
    op = step.op
    column = op.column_name or (op.column.name if op.column is not None else "?")
    return f"{op.table}.{column}"
