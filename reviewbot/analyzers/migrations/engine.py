"""MigrationAnalyzer: find migration files in the change set, read them into operations, run RB4xx."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from reviewbot.analyzers.base import AnalyzerResult, Progress
from reviewbot.analyzers.migrations.layout import Layout, Reader, detect_layout
from reviewbot.analyzers.migrations.model import Framework, Migration, OpKind, Runner
from reviewbot.analyzers.migrations.rule import MigrationRule
from reviewbot.analyzers.migrations.rules import MIGRATION_RULES
from reviewbot.analyzers.migrations.timeline import build_timeline, table_key
from reviewbot.config import Config
from reviewbot.core.changes import ChangeSet
from reviewbot.core.findings import Finding, Span
from reviewbot.core.meta import INTERNAL_ERROR, PARSE_ERROR, meta_finding

if TYPE_CHECKING:
    from reviewbot.analyzers.migrations.django import FieldHistory

# Flyway runs these outside a transaction (its PostgreSQL parser detects them per statement).
_NON_TRANSACTIONAL = (OpKind.VACUUM_FULL,)


def load_migration(path: str, text: str, layout: Layout, history: FieldHistory) -> Migration:
    """Read one migration file into operations, and decide whether its runner wraps it in a transaction.

    `history` is shared by every file of one analyzer run, so each module is parsed at most once.
    """
    # The readers (and pglast, libcst behind them) are imported only when a migration is found,
    # so the pre-commit path on a change without migrations never loads them.
    if layout.framework is Framework.ALEMBIC:
        from reviewbot.analyzers.migrations.alembic import read_alembic

        ops, problems = read_alembic(text)
        return Migration(path, layout.framework, layout.runner, ops, True, problems)
    if layout.framework is Framework.DJANGO:
        from reviewbot.analyzers.migrations.django import read_django

        django = read_django(path, text, history)
        return Migration(path, layout.framework, layout.runner, django.operations, django.atomic, django.problems)
    from reviewbot.analyzers.migrations.sql import parse_sql_operations

    result = parse_sql_operations(text)
    in_tx = layout.in_transaction
    if in_tx is None:
        if layout.runner is Runner.FLYWAY:
            in_tx = not any(op.concurrently or op.kind in _NON_TRANSACTIONAL for op in result.operations)
        else:
            # golang-migrate and Prisma send the file as one multi-statement query: PostgreSQL runs
            # it as one implicit transaction (protocol docs, "Multiple Statements in a Simple Query").
            in_tx = result.statements > 1
    problems = (result.problem,) if result.problem is not None else ()
    return Migration(path, layout.framework, layout.runner, result.operations, in_tx, problems)


def check_migration(
    migration: Migration,
    config: Config,
    rule_types: Sequence[type[MigrationRule]] = MIGRATION_RULES,
    created_elsewhere: Iterable[str] = (),
) -> list[Finding]:
    """Every active rule's findings on one migration, plus RB901 for what could not be parsed."""
    findings = [
        meta_finding(PARSE_ERROR, migration.path, problem.message, problem.line, problem.column)
        for problem in migration.problems
    ]
    timeline = build_timeline(migration, config.migrations, created_elsewhere)
    for rule_type in rule_types:
        if not config.is_selected(rule_type.code, rule_type.family.value, migration.path):
            continue
        rule = rule_type(config)
        seen: set[tuple[int, str]] = set()
        for report in rule.check(timeline):
            key = (report.step.op.line, report.message)
            if key in seen:
                continue
            seen.add(key)
            op = report.step.op
            findings.append(
                Finding(
                    rule=rule_type.code,
                    family=rule_type.family.value,
                    severity=report.severity or config.severity_for(rule_type.code, rule_type.severity),
                    path=migration.path,
                    span=Span(op.line, 1, op.last_line),
                    message=report.message,
                    help=rule_type.recipe(migration.framework),
                    confidence=report.confidence,
                )
            )
    return findings


def analyze_migration_source(
    path: str,
    text: str,
    config: Config,
    rule_types: Sequence[type[MigrationRule]] = MIGRATION_RULES,
    read: Reader | None = None,
) -> list[Finding]:
    """Findings on one file given as text (used by the rule-example tests); [] if not a migration."""
    reader: Reader = read or (lambda _path: None)
    layout = detect_layout(path, text, config.migrations, reader)
    if layout is None:
        return []
    from reviewbot.analyzers.migrations.django import FieldHistory

    migration = load_migration(path, text, layout, FieldHistory(reader, lambda _dir: []))
    return check_migration(migration, config, rule_types)


class MigrationAnalyzer:
    """The RB4xx migration gate (and RB108) over SQL, Alembic and Django migrations."""

    name = "migrations"

    def analyze(self, changes: ChangeSet, config: Config, progress: Progress) -> AnalyzerResult:
        started = time.perf_counter()
        root = Path(changes.root)

        def read(path: str) -> str | None:
            change = changes.get(path)
            if change is not None and change.text is not None:
                return change.text
            try:
                return (root / path).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                return None

        def list_dir(directory: str) -> list[str]:
            try:
                return [p.name for p in (root / directory).iterdir() if p.suffix == ".py"]
            except OSError:
                return []

        history: FieldHistory | None = None
        findings: list[Finding] = []
        migrations: list[Migration] = []
        candidates = [f for f in changes.files if f.path.endswith((".sql", ".py"))]
        for done, change in enumerate(candidates, start=1):
            text = change.text if change.text is not None else read(change.path)
            if text is None:
                continue
            layout = detect_layout(change.path, text, config.migrations, read)
            if layout is None:
                continue
            if history is None:
                from reviewbot.analyzers.migrations.django import FieldHistory

                history = FieldHistory(read, list_dir)
            try:
                migrations.append(load_migration(change.path, text, layout, history))
            # Per-file isolation (STYLE.md §7): a crash reading one file becomes RB905 there.
            except Exception as err:  # noqa: BLE001
                findings.append(meta_finding(INTERNAL_ERROR, change.path, f"migration reader crashed: {err!r}", 1))
            progress.advance("migrations", done, len(candidates))
        created: set[str] = set()
        if config.migrations.tables_created_elsewhere_are_new:
            created = {
                table_key(op.table) for m in migrations for op in m.operations if op.kind is OpKind.CREATE_TABLE
            }
        for migration in migrations:
            try:
                findings.extend(check_migration(migration, config, created_elsewhere=created))
            # Per-file isolation (STYLE.md §7): a crashing rule becomes RB905 on this file.
            except Exception as err:  # noqa: BLE001
                findings.append(meta_finding(INTERNAL_ERROR, migration.path, f"a rule crashed: {err!r}", 1))
        return AnalyzerResult(
            name=self.name,
            findings=tuple(findings),
            seconds=time.perf_counter() - started,
            files=len(migrations),
        )
