"""What the migrations gate tells the reader besides findings: runners taken, files not analysed, history."""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Callable, Sequence

from reviewbot.analyzers.migrations.history import apply_order_key, unit_name
from reviewbot.analyzers.migrations.layout import Layout
from reviewbot.analyzers.migrations.model import Framework, Migration
from reviewbot.core.findings import Finding, Severity

HISTORICAL_DEFINITION = "older than the newest migration of their folder and unchanged since the last commit"
MAX_NAMED_FILES = 20


def _folder(layout: Layout, path: str) -> str:
    return layout.folder if layout.folder or "/" not in path else posixpath.dirname(path)


def layout_notes(items: Sequence[tuple[Migration, Layout]]) -> list[str]:
    """One note per SQL folder and runner (with why), one per Python framework, one per unanalysed folder."""
    sql: dict[tuple[str, str, str], int] = defaultdict(int)
    python: dict[Framework, set[str]] = defaultdict(set)
    python_files: dict[Framework, int] = defaultdict(int)
    skipped: dict[tuple[str, str], list[str]] = defaultdict(list)
    for migration, layout in items:
        folder = _folder(layout, migration.path)
        if migration.not_analysed:
            skipped[(folder, migration.not_analysed)].append(posixpath.basename(migration.path))
        if layout.framework is Framework.SQL:
            sql[(folder, layout.runner.value, layout.reason)] += 1
        else:
            python[layout.framework].add(folder)
            python_files[layout.framework] += 1
    notes = [
        f"migrations: {count} {_files(count)} in {folder or '.'}/ read as {runner}: {reason}"
        for (folder, runner, reason), count in sorted(sql.items())
    ]
    for framework, folders in sorted(python.items()):
        count = python_files[framework]
        label = "Django" if framework is Framework.DJANGO else "Alembic"
        where = "atomic unless `atomic = False`" if framework is Framework.DJANGO else \
            "one transaction, except inside autocommit_block()"
        notes.append(f"migrations: {count} {label} {_files(count)} in {len(folders)} "
                     f"folder{'s' if len(folders) != 1 else ''}: {where}")
    for (folder, reason), names in sorted(skipped.items()):
        shown = ", ".join(sorted(names)[:MAX_NAMED_FILES]) + (", …" if len(names) > MAX_NAMED_FILES else "")
        notes.append(f"migrations: {len(names)} {_files(len(names))} in {folder or '.'}/ not analysed, {reason}: {shown}")
    return notes


def unclaimed_note(paths: Sequence[str]) -> str:
    """The `.sql` files not checked as migrations, named, and how to have them checked."""
    shown = ", ".join(sorted(paths)[:MAX_NAMED_FILES]) + (", …" if len(paths) > MAX_NAMED_FILES else "")
    return (
        f"migrations: {len(paths)} .sql {_files(len(paths))} not checked as migrations (no runner configuration, "
        f"not in a migrations folder): {shown}; name a file on the command line or add a "
        "[[tool.reviewbot.migrations.paths]] entry to check it"
    )


def _files(count: int) -> str:
    return "file" if count == 1 else "files"


def newest_per_folder(items: Sequence[tuple[Migration, Layout]]) -> set[str]:
    """The newest migration (in apply order) of each folder among `items`."""
    newest: dict[str, str] = {}
    for migration, layout in items:
        folder = _folder(layout, migration.path)
        current = newest.get(folder)
        key = apply_order_key(unit_name(migration.path, folder))
        if current is None or key > apply_order_key(unit_name(current, folder)):
            newest[folder] = migration.path
    return set(newest.values())


def historical_note(
    findings: Sequence[Finding],
    items: Sequence[tuple[Migration, Layout]],
    uncommitted: Callable[[], frozenset[str]],
) -> str | None:
    """How many findings fall on historical migrations, and the way to stop them failing every audit."""
    newest = newest_per_folder(items)
    older = {m.path for m, _ in items} - newest
    if not older or not any(f.path in older for f in findings):
        return None
    historical = older - uncommitted()
    on_history = [f for f in findings if f.path in historical]
    if not on_history:
        return None
    errors = sum(1 for f in on_history if f.severity is Severity.ERROR)
    files = len({f.path for f in on_history})
    return (
        f"migrations: {len(on_history)} of {len(findings)} migration findings ({errors} at error) are on "
        f"{files} historical {_files(files)} ({HISTORICAL_DEFINITION}); if they were applied "
        "long ago, `reviewbot baseline` records them so the gate fails only on new ones"
    )
