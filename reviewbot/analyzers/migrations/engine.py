"""MigrationAnalyzer: find migration files in the change set, read them into operations, run RB4xx."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from reviewbot.analyzers.base import AnalyzerResult, Progress
from reviewbot.analyzers.migrations.files import MigrationFiles
from reviewbot.analyzers.migrations.history import FolderHistory, Position, known_tables, with_known_types
from reviewbot.analyzers.migrations.layout import (
    Layout,
    detect_layout,
    is_python_migration_path,
    is_unclaimed_sql,
)
from reviewbot.analyzers.migrations.memo import RecordingFiles, RunMemo
from reviewbot.analyzers.migrations.model import Framework, Migration, OpKind, ParseProblem, Runner
from reviewbot.analyzers.migrations.notes import historical_note, layout_notes, unclaimed_note
from reviewbot.analyzers.migrations.rule import MigrationRule
from reviewbot.analyzers.migrations.rules import MIGRATION_RULES
from reviewbot.analyzers.migrations.runners import DBMATE_UP, Reader, RunnerFinder
from reviewbot.analyzers.migrations.timeline import build_timeline, table_key
from reviewbot.config import Config
from reviewbot.core.changes import ChangeSet, Mode
from reviewbot.core.findings import Confidence, Finding, Span
from reviewbot.core.meta import INTERNAL_ERROR, PARSE_ERROR, meta_finding

if TYPE_CHECKING:
    from reviewbot.analyzers.migrations.django import FieldHistory

# Flyway runs these outside a transaction (its PostgreSQL parser detects them per statement).
_NON_TRANSACTIONAL = (OpKind.VACUUM_FULL,)
# Go text/template actions: `{{.Schema}}`, `{{ .Table }}`, `{{- if .X }}`, `{{/* comment */}}`.
_TEMPLATE_ACTION = re.compile(r"\{\{-?\s*(?:[.$]|/\*|[A-Za-z_]\w*\b)[^{}]*\}\}")
_DBMATE_DOWN = re.compile(r"^--\s*migrate:down\b", re.MULTILINE)
TOO_DEEP_MESSAGE = "too deeply nested to analyse (the parser or a rule ran out of stack)"


def load_migration(path: str, text: str, layout: Layout, history: FieldHistory | None = None) -> Migration:
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
    from reviewbot.analyzers.migrations.sql import may_add_enum_value, parse_sql_operations

    if layout.runner is Runner.DBMATE and DBMATE_UP.search(text):
        # One file holds both directions; only the part before `-- migrate:down` runs going forward.
        down = _DBMATE_DOWN.search(text)
        text = text[: down.start()] if down else text
    result = parse_sql_operations(text, literals=may_add_enum_value(text))
    in_tx = layout.in_transaction
    if in_tx is None:
        if layout.runner is Runner.FLYWAY:
            in_tx = not any(op.concurrently or op.kind in _NON_TRANSACTIONAL for op in result.operations)
        else:
            # golang-migrate and Prisma send the file as one multi-statement query: PostgreSQL runs
            # it as one implicit transaction (protocol docs, "Multiple Statements in a Simple Query").
            in_tx = result.statements > 1
    if result.problems and _TEMPLATE_ACTION.search(text):
        # A template is SQL only once its program renders it: say it was not checked, but it is not
        # a syntax error of the migration.
        return Migration(path, layout.framework, layout.runner, (), in_tx,
                         not_analysed="a Go text/template (`{{…}}`): only its rendered SQL can be checked")
    return Migration(path, layout.framework, layout.runner, result.operations, in_tx, result.problems)


def check_migration(
    migration: Migration,
    config: Config,
    rule_types: Sequence[type[MigrationRule]] = MIGRATION_RULES,
    created_elsewhere: Iterable[str] = (),
    position: Position | None = None,
) -> list[Finding]:
    """Every active rule's findings on one migration, plus RB901 for what could not be parsed.

    `position` is where the file stands in its folder's history (SQL folders): old column types come
    from it.
    """
    findings = [
        meta_finding(PARSE_ERROR, migration.path, problem.message, problem.line, problem.column)
        for problem in migration.problems
    ]
    unseen: frozenset[int] = frozenset()
    if position is not None:
        migration = replace(migration, operations=with_known_types(migration.operations, position.schema))
        if position.complete:
            shown = known_tables(migration.operations, position.schema)
            unseen = frozenset(i for i, known in enumerate(shown) if not known)
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
            step = report.step
            op = step.op
            confidence = report.confidence
            if rule_type.on_existing_tables and step.index in unseen and op.table and not step.table_is_new:
                confidence = min(confidence, Confidence.MEDIUM, key=lambda c: c.rank)
            findings.append(
                Finding(
                    rule=rule_type.code,
                    family=rule_type.family.value,
                    severity=report.severity or config.severity_for(rule_type.code, rule_type.severity),
                    path=migration.path,
                    span=Span(op.line, 1, op.last_line),
                    message=report.message,
                    help=rule_type.recipe(migration.framework),
                    confidence=confidence,
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
    position = None
    if migration.framework is Framework.SQL:
        # The file is its folder's whole history: a file that creates tables is where the history starts.
        single = FolderHistory(lambda _folder: [path], reader, lambda p: migration if p == path else None)
        position = single.position(migration, layout.folder)
    return check_migration(migration, config, rule_types, position=position)


@dataclass(frozen=True, slots=True)
class _Loaded:
    migration: Migration
    layout: Layout


def _python_problem(text: str) -> ParseProblem | None:
    from reviewbot.analyzers.migrations.pycalls import parse_python  # only for a Python file

    parsed = parse_python(text)
    return parsed if isinstance(parsed, ParseProblem) else None


class MigrationAnalyzer:
    """The RB4xx migration gate (and RB108) over SQL, Alembic and Django migrations."""

    name = "migrations"

    def analyze(self, changes: ChangeSet, config: Config, progress: Progress) -> AnalyzerResult:
        started = time.perf_counter()
        # The results cache: a whole run, reused only when every file and listing it read is unchanged.
        memo = RunMemo.open(changes, config)
        remembered = memo.lookup(changes, self.name) if memo is not None else None
        if remembered is not None:
            return replace(remembered, seconds=time.perf_counter() - started)
        files = RecordingFiles(changes)
        result = self._analyze(changes, config, progress, files, started)
        if memo is not None:
            memo.store(files.inputs, result)
        return result

    def _analyze(
        self, changes: ChangeSet, config: Config, progress: Progress, files: MigrationFiles, started: float
    ) -> AnalyzerResult:
        finder = RunnerFinder(files.read)
        field_history: FieldHistory | None = None
        findings: list[Finding] = []
        loaded: list[_Loaded] = []
        unclaimed: list[str] = []
        # SQL files this gate looked at: migrations, rollbacks (not gated by design) and unclaimed ones
        # (named in their own note); the pipeline names every other changed file as not analysed.
        examined: list[str] = []
        candidates = [f for f in changes.files if f.path.endswith((".sql", ".py"))]
        for done, change in enumerate(candidates, start=1):
            found = files.load(change.path)
            if found is None:
                continue
            if change.path.endswith(".sql"):
                examined.append(change.path)
            text, decode_problem = found
            layout = detect_layout(change.path, text, config.migrations, files.read, finder)
            if layout is None:
                if is_unclaimed_sql(change.path, config.migrations, finder):
                    unclaimed.append(change.path)
                elif is_python_migration_path(change.path, config):
                    # The Python rules skip this file as a migration; one that does not parse (its
                    # upgrade() lost to a syntax error) is still a file nobody checked: RB901.
                    problem = decode_problem or _python_problem(text)
                    if problem is not None:
                        findings.append(meta_finding(PARSE_ERROR, change.path, problem.message, problem.line, problem.column))
                continue
            if field_history is None and layout.framework is Framework.DJANGO:
                # Only Django migrations read it: a run over SQL files never imports the Django reader.
                from reviewbot.analyzers.migrations.django import FieldHistory

                field_history = FieldHistory(files.read, files.python_modules)
            migration = _isolated_load(change.path, text, layout, field_history, findings)
            if migration is not None:
                if decode_problem is not None:
                    migration = replace(migration, problems=(decode_problem, *migration.problems))
                loaded.append(_Loaded(migration, layout))
            progress.advance("migrations", done, len(candidates))
        created: set[str] = set()
        if config.migrations.tables_created_elsewhere_are_new:
            created = {
                table_key(op.table)
                for item in loaded for op in item.migration.operations if op.kind is OpKind.CREATE_TABLE
            }
        gaps: list[str] = []
        history = self._folder_history(files, finder, config, field_history, gaps)
        history.remember(item.migration for item in loaded)
        for item in loaded:
            migration = item.migration
            position = None
            try:
                if migration.framework is Framework.SQL and not migration.not_analysed:
                    position = history.position(migration, item.layout.folder)
                findings.extend(check_migration(migration, config, created_elsewhere=created, position=position))
            except (RecursionError, MemoryError):
                findings.append(meta_finding(PARSE_ERROR, migration.path, f"migration {TOO_DEEP_MESSAGE}", 1))
            # Per-file isolation (STYLE.md §7): a crashing rule becomes RB905 on this file.
            except Exception as err:  # noqa: BLE001
                findings.append(meta_finding(INTERNAL_ERROR, migration.path, f"a rule crashed: {err!r}", 1))
        notes = layout_notes([(item.migration, item.layout) for item in loaded])
        if unclaimed:
            notes.append(unclaimed_note(unclaimed))
        if gaps:
            notes.append(f"migrations: earlier migrations not readable as history (old column types and tables "
                         f"they made are unknown): {', '.join(sorted(set(gaps)))}")
        if changes.mode is Mode.AUDIT and not (Path(changes.root) / config.baseline).is_file():
            note = historical_note(findings, [(i.migration, i.layout) for i in loaded], files.uncommitted)
            if note:
                notes.append(note)
        return AnalyzerResult(
            name=self.name,
            findings=tuple(findings),
            seconds=time.perf_counter() - started,
            files=len(loaded),
            notes=tuple(notes),
            read=(*examined, *(item.migration.path for item in loaded)),
        )

    @staticmethod
    def _folder_history(
        files: MigrationFiles, finder: RunnerFinder, config: Config, field_history: FieldHistory | None,
        gaps: list[str],
    ) -> FolderHistory:
        """The SQL folders' histories, reading a sibling as a migration only when it is one.

        A sibling that cannot be read leaves a gap in the history, named in `gaps` (a note); when it is
        under review itself, its own check reports the crash.
        """

        def load(path: str) -> Migration | None:
            found = files.load(path)
            if found is None:
                return None
            layout = detect_layout(path, found[0], config.migrations, files.read, finder)
            if layout is None or layout.framework is not Framework.SQL:
                return None
            try:
                return load_migration(path, found[0], layout, field_history)
            # Per-file isolation (STYLE.md §7): the crash is named in a note and the history goes on.
            except Exception as err:  # noqa: BLE001
                gaps.append(f"{path} ({type(err).__name__})")
                return None

        return FolderHistory(files.sql_files, files.read, load)


def _isolated_load(
    path: str, text: str, layout: Layout, history: FieldHistory | None, findings: list[Finding]
) -> Migration | None:
    """load_migration, with a crash on this file becoming a finding on it instead of ending the run."""
    try:
        return load_migration(path, text, layout, history)
    except (RecursionError, MemoryError):
        findings.append(meta_finding(PARSE_ERROR, path, f"migration {TOO_DEEP_MESSAGE}", 1))
    # Per-file isolation (STYLE.md §7): a crash reading one file becomes RB905 there.
    except Exception as err:  # noqa: BLE001
        findings.append(meta_finding(INTERNAL_ERROR, path, f"migration reader crashed: {err!r}", 1))
    return None

