"""trace_change: build the schema from earlier migrations, seed rows, replay the change's new migrations."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from reviewbot.analyzers.migrations.engine import load_migration
from reviewbot.analyzers.migrations.model import Framework, OpKind
from reviewbot.analyzers.migrations.sql import parse_sql_operations
from reviewbot.analyzers.trace.evidence import MigrationTrace, StatementTrace, TraceReport
from reviewbot.analyzers.trace.offline import (
    OfflineError,
    alembic_offline_sql,
    attribute,
    project_python,
    revisions_in_order,
)
from reviewbot.analyzers.trace.replay import DEFERRABLE_STATES, Replayer, ReplaySettings
from reviewbot.analyzers.trace.script import Statement, Unit, runner_script, split_sql
from reviewbot.analyzers.trace.seed import Seeder
from reviewbot.analyzers.trace.server import Server, open_server, refuse_if_in_use, scratch_database
from reviewbot.analyzers.trace.sets import (
    MigrationFile,
    MigrationSet,
    alembic_revision,
    discover_sets,
    file_reader,
    walk_candidates,
)
from reviewbot.config import Config
from reviewbot.core.changes import ChangeSet

Log = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class TraceRequest:
    """`--trace`: where (a named server, or None for a throwaway cluster) and how many rows."""

    postgres_url: str | None = None
    rows: int | None = None


@dataclass
class SetPlan:
    """One migration set: its earlier migrations (the schema) and the deploy of the change's new ones."""

    set: MigrationSet
    schema: list[tuple[str, list[Statement]]] = field(default_factory=list)
    script: list[Statement] = field(default_factory=list)
    new_paths: list[str] = field(default_factory=list)
    not_replayed: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _unit(file: MigrationFile, text: str) -> Unit:
    split = split_sql(text, file.path)
    if split.problem is not None:
        return Unit(file.path, file.layout.runner, (), False, split.problem)
    from reviewbot.analyzers.migrations.django import FieldHistory

    migration = load_migration(file.path, text, file.layout, FieldHistory(lambda _p: None, lambda _d: []))
    return Unit(file.path, file.layout.runner, split.statements, migration.in_transaction)


def plan_sql_set(migrations: MigrationSet, new: set[str], read: Callable[[str], str | None]) -> SetPlan:
    plan = SetPlan(migrations)
    first_new = next((i for i, f in enumerate(migrations.files) if f.path in new), None)
    units: list[Unit] = []
    for i, file in enumerate(migrations.files):
        text = read(file.path)
        if text is None:
            continue
        unit = _unit(file, text)
        if first_new is None or i < first_new:
            if unit.problem is not None:
                plan.notes.append(f"earlier migration {file.path} not applied: {unit.problem}")
            else:
                plan.schema.append((file.path, list(runner_script([unit]))))
        elif file.path in new:
            if unit.problem is not None:
                plan.not_replayed.append((file.path, unit.problem))
            else:
                units.append(unit)
                plan.new_paths.append(file.path)
        else:
            plan.notes.append(f"{file.path} comes after the change's first new migration in runner order: not applied")
    plan.script = runner_script(units)
    return plan


def plan_alembic_set(migrations: MigrationSet, new: set[str], read: Callable[[str], str | None], root: Path,
                     config: Config) -> SetPlan:
    plan = SetPlan(migrations)
    new_here = [p for p in migrations.paths if p in new]
    texts = {p: read(p) or "" for p in migrations.paths}
    by_revision = {rev: p for p, text in texts.items() if (rev := alembic_revision(text)) is not None}
    try:
        python = project_python(root, config.trace.python, "alembic")
        full = alembic_offline_sql(root, migrations.home, python, "heads")
    except OfflineError as err:
        plan.not_replayed.extend((p, str(err)) for p in new_here)
        if not new_here:
            plan.notes.append(f"earlier Alembic migrations in {migrations.home} not applied: {err}")
        return plan
    statements = attribute(full, by_revision, texts)
    marks = revisions_in_order(full)
    first_new = next((i for i, (_line, c) in enumerate(marks) if by_revision.get(c.revision) in new), None)
    groups: list[tuple[str, list[Statement]]] = [(by_revision.get(c.revision, c.revision), []) for _l, c in marks]
    for index, statement in statements:
        if groups and (first_new is None or index < first_new):
            groups[index][1].append(statement)
    plan.schema = groups[: first_new if first_new is not None else len(groups)]
    if first_new is None:
        return plan
    down = marks[first_new][1].down
    try:
        deploy = alembic_offline_sql(root, migrations.home, python, f"{down}:heads" if down else "heads")
    except OfflineError as err:
        plan.not_replayed.extend((p, str(err)) for p in new_here)
        return plan
    plan.script = [statement for _index, statement in attribute(deploy, by_revision, texts)]
    plan.new_paths = [p for p in new_here if any(s.path == p for s in plan.script)]
    return plan


def plan_sets(changes: ChangeSet, config: Config, new: set[str]) -> tuple[list[SetPlan], list[tuple[str, str]]]:
    root = Path(changes.root)

    def changed(path: str) -> str | None:
        change = changes.get(path)
        return change.text if change is not None else None

    read = file_reader(root, changed)
    candidates = sorted(set(walk_candidates(root, config)) | {f.path for f in changes.files})
    plans: list[SetPlan] = []
    skipped: list[tuple[str, str]] = []
    for migrations in discover_sets(candidates, config, read):
        if migrations.framework is Framework.DJANGO:
            skipped.extend((p, "Django migrations are not replayed (sqlmigrate needs the project's settings)")
                           for p in migrations.paths if p in new)
            continue
        if migrations.framework is Framework.ALEMBIC:
            plans.append(plan_alembic_set(migrations, new, read, root, config))
        else:
            plans.append(plan_sql_set(migrations, new, read))
    return plans, skipped


def touched_tables(statements: Iterable[Statement]) -> set[str]:
    """Tables the statements name (ALTER, CREATE INDEX, UPDATE, FK targets, …), as PostgreSQL stores them."""
    out: set[str] = set()
    for statement in statements:
        for op in parse_sql_operations(statement.sql).operations:
            for name in (op.table, op.references):
                if name:
                    out.add(name.rsplit(".", 1)[-1].strip('"'))
            if op.kind is OpKind.CREATE_TABLE:
                for column in op.columns:
                    if column.references:
                        out.add(column.references.rsplit(".", 1)[-1].strip('"'))
    return out


def build_schema(replayer: Replayer, plans: Sequence[SetPlan]) -> list[str]:
    """Apply every set's earlier migrations; a migration that needs another set's objects waits for it."""
    queues = [deque(plan.schema) for plan in plans]
    notes: list[str] = []
    stalled = False
    while any(queues):
        progress = False
        for queue in queues:
            while queue:
                path, statements = queue[0]
                failure = replayer.apply_unit(statements)
                if failure is None:
                    queue.popleft()
                    progress = True
                    continue
                if failure[0] in DEFERRABLE_STATES and not stalled:
                    break  # maybe another set creates what it needs: try the other sets first
                notes.append(f"earlier migration {path} could not be applied ({failure[0]} {failure[1]}); "
                             "the schema may lack what it creates")
                queue.popleft()
                progress = True
        stalled = not progress
    return notes


def _created_tables(statements: Iterable[Statement]) -> set[str]:
    out: set[str] = set()
    for statement in statements:
        for op in parse_sql_operations(statement.sql).operations:
            if op.kind is OpKind.CREATE_TABLE and op.table:
                out.add(op.table.rsplit(".", 1)[-1].strip('"').lower())
    return out


def group_plans(plans: Sequence[SetPlan]) -> list[list[SetPlan]]:
    """Sets that share a database: one that names another's tables (and does not create them) joins it.

    A monorepo's services keep their own databases (the platform's API and its Python service both
    create `idempotency_keys`); each group of sets gets a scratch database of its own.
    """
    statements = [[s for _p, unit in plan.schema for s in unit] + list(plan.script) for plan in plans]
    created = [_created_tables(stmts) for stmts in statements]
    named = [{t.lower() for t in touched_tables(stmts)} for stmts in statements]
    parent = list(range(len(plans)))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i in range(len(plans)):
        needs = named[i] - created[i]
        for j in range(len(plans)):
            if i != j and needs & created[j]:
                parent[root(i)] = root(j)
    groups: dict[int, list[SetPlan]] = {}
    for i, plan in enumerate(plans):
        groups.setdefault(root(i), []).append(plan)
    return list(groups.values())


def trace_change(changes: ChangeSet, config: Config, request: TraceRequest, log: Log | None = None) -> TraceReport | None:
    """Replay the change's new migrations; None when the change has none. Raises PostgresUnavailable."""
    say: Log = log or (lambda _m: None)
    started = time.perf_counter()
    new = {f.path for f in changes.files}
    plans, skipped = plan_sets(changes, config, new)
    not_replayed = [item for plan in plans for item in plan.not_replayed] + skipped
    planned_notes = [n for plan in plans for n in plan.notes]
    traced_paths = [p for plan in plans for p in plan.new_paths]
    rows = request.rows if request.rows is not None else config.trace.rows
    if not traced_paths and not not_replayed:
        return None
    if not traced_paths:
        return TraceReport("", 0, config.migrations.postgres_version, rows, not_replayed=tuple(not_replayed),
                           notes=tuple(planned_notes), seconds=time.perf_counter() - started)
    groups = [g for g in group_plans(plans) if any(plan.new_paths for plan in g)]
    with open_server(request.postgres_url, config.trace.postgres_bin, say) as server:
        if not server.disposable:
            created = {t for plan in plans for _p, unit in plan.schema for t in touched_tables(unit)}
            refuse_if_in_use(server, created | touched_tables(s for plan in plans for s in plan.script))
        parts: list[GroupTrace] = []
        for group in groups:
            with scratch_database(server) as dbname:
                parts.append(_replay(server, dbname, group, config, rows))
    order = [p for plan in plans for p in plan.new_paths]
    runner_of = {p: plan.set.runner.value for plan in plans for p in plan.new_paths}
    traces = [t for part in parts for t in part.traces]
    migrations = tuple(
        MigrationTrace(path, runner_of[path], tuple(t for t in traces if t.statement.path == path)) for path in order
    )
    seeded = {table: rows for part in parts for table, rows in part.counts.items()}
    return TraceReport(
        server=server.label, server_major=server.major, target_major=config.migrations.postgres_version,
        rows=rows, seeded=tuple(sorted(seeded.items())), migrations=migrations, not_replayed=tuple(not_replayed),
        notes=(*planned_notes, *(n for part in parts for n in part.notes)), seconds=time.perf_counter() - started,
    )


@dataclass(frozen=True, slots=True)
class GroupTrace:
    traces: tuple[StatementTrace, ...]
    counts: dict[str, int]
    notes: tuple[str, ...]


def _replay(server: Server, dbname: str, plans: list[SetPlan], config: Config, rows: int) -> GroupTrace:
    """One database's sets: schema, rows, then the observed replay of their new migrations."""
    settings = ReplaySettings(config.trace.probe_timeout_ms, config.trace.statement_timeout_seconds, server.major)
    replayer = Replayer(server.conninfo, dbname, settings)
    try:
        notes = build_schema(replayer, plans)
        new = {p for plan in plans for p in plan.new_paths}
        seeder = Seeder(replayer.conn, rows)
        counts = seeder.seed(touched_tables(s for plan in plans for s in plan.script if s.path in new)) if rows else {}
        notes.extend(seeder.notes)
        replayer.begin_trace()
        traces: list[StatementTrace] = []
        for plan in plans:
            if plan.script:
                traces.extend(replayer.trace(plan.script, lambda s: s.path in new and not s.bookkeeping))
    finally:
        replayer.close()
    return GroupTrace(tuple(traces), counts, tuple(notes))
