"""A SQL migrations folder in the order its runner applies it, and the schema its earlier files built.

Rules judge one file, but what a statement costs depends on what came before: `ALTER COLUMN note TYPE
text` is catalog-only when `note` was varchar(200), a rewrite when it was an integer; an index on a table
the history created long ago locks live rows. The history is read from the same folder (the change set
first, then the working tree), lazily, one folder at a time.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

from reviewbot.analyzers.migrations.model import ColumnType, Migration, Operation, OpKind
from reviewbot.analyzers.migrations.runners import JOURNAL
from reviewbot.analyzers.migrations.timeline import table_key

# Lists the `.sql` files of a repository-relative folder and of its direct subfolders (diesel and
# Prisma keep one migration per subfolder), as repository-relative paths.
SqlLister = Callable[[str], list[str]]
# Loads one file as a migration of the folder, or None when it is not one (rollbacks, other runners).
Loader = Callable[[str], Migration | None]

_NUMBER = re.compile(r"(\d+)")


def apply_order_key(unit: str) -> tuple[int, tuple[tuple[int, str], ...]]:
    """Sort key of a migration's name: numbers compared as numbers (`V2__` before `V10__`)."""
    rank = 1 if unit.startswith("R__") else 0  # Flyway runs repeatable migrations after versioned ones
    parts = tuple((int(p), "") if p.isdigit() else (0, p.lower()) for p in _NUMBER.split(unit) if p)
    return rank, parts


def unit_name(path: str, folder: str) -> str:
    """The migration's own name within its folder: `0042_x.sql`, or the `<version>_x` of `<version>_x/up.sql`."""
    relative = path[len(folder) + 1 :] if folder else path
    return relative.split("/", 1)[0]


@dataclass(slots=True)
class Table:
    columns: dict[str, ColumnType | None] = field(default_factory=dict)


@dataclass(slots=True)
class Schema:
    """Tables (and their column types, where known) that a sequence of migrations created."""

    tables: dict[str, Table] = field(default_factory=dict)

    def copy(self, only: Iterable[str] | None = None) -> Schema:
        """A copy; `only` limits it to those table keys (all a migration reads or changes: see `touched`)."""
        if only is None:
            return Schema({name: Table(dict(t.columns)) for name, t in self.tables.items()})
        tables = self.tables
        return Schema({name: Table(dict(tables[name].columns)) for name in only if name in tables})

    def column_type(self, table: str | None, column: str | None) -> ColumnType | None:
        found = self.tables.get(table_key(table))
        return found.columns.get(_column_key(column)) if found is not None else None

    def apply(self, op: Operation) -> None:
        """Advance the schema past one operation."""
        key = table_key(op.table)
        if not key:
            return
        if op.kind is OpKind.CREATE_TABLE:
            self.tables[key] = Table({_column_key(c.name): c.type for c in op.columns})
        elif op.kind is OpKind.DROP_TABLE:
            self.tables.pop(key, None)
        elif op.kind is OpKind.RENAME_TABLE and op.new_name:
            self.tables[table_key(op.new_name)] = self.tables.pop(key, Table())
        table = self.tables.get(key)
        if table is None:
            return
        if op.kind is OpKind.ADD_COLUMN and op.column is not None:
            table.columns[_column_key(op.column.name)] = op.column.type
        elif op.kind is OpKind.DROP_COLUMN:
            table.columns.pop(_column_key(op.column_name), None)
        elif op.kind is OpKind.RENAME_COLUMN and op.new_name:
            table.columns[_column_key(op.new_name)] = table.columns.pop(_column_key(op.column_name), None)
        elif op.kind is OpKind.ALTER_COLUMN_TYPE:
            table.columns[_column_key(op.column_name)] = op.new_type


def _column_key(name: str | None) -> str:
    return (name or "").strip('"').lower()


@dataclass(frozen=True, slots=True)
class Position:
    """Where a file stands in its folder's history."""

    schema: Schema  # what the earlier migrations built, as far as the tables the file touches go
    complete: bool  # the folder's first migration creates tables: the history starts at the beginning


class FolderHistory:
    """The migrations of SQL folders in apply order; each folder is listed and parsed at most once."""

    def __init__(self, list_sql: SqlLister, read: Callable[[str], str | None], load: Loader) -> None:
        self.list_sql = list_sql
        self.read = read
        self.load = load
        self._order: dict[str, tuple[str, ...]] = {}
        self._migrations: dict[str, Migration | None] = {}
        self._lowered: dict[str, str] = {}
        self._snapshots: dict[str, dict[str, Schema]] = {}
        self._completes: dict[str, bool] = {}
        self._wanted: set[str] = set()  # the files under review (remembered): their positions are kept

    def remember(self, migrations: Iterable[Migration]) -> None:
        """Migrations already loaded by the caller are not read again."""
        for migration in migrations:
            self._migrations.setdefault(migration.path, migration)
            self._wanted.add(migration.path)

    def order(self, folder: str) -> tuple[str, ...]:
        """The folder's migration files in the order the runner applies them."""
        found = self._order.get(folder)
        if found is None:
            paths = [p for p in self.list_sql(folder) if self._migration(p) is not None]
            journal = _journal_order(self.read(posixpath.join(folder, JOURNAL) if folder else JOURNAL))
            if journal:
                paths.sort(key=lambda p: (journal.get(unit_name(p, folder).removesuffix(".sql"), len(journal)),
                                          apply_order_key(unit_name(p, folder))))
            else:
                paths.sort(key=lambda p: apply_order_key(unit_name(p, folder)))
            found = self._order[folder] = tuple(paths)
        return found

    def position(self, migration: Migration, folder: str) -> Position:
        """What the folder built before `migration`, as far as the tables `migration` touches go.

        For a file under review (`remember`), from one replay of the folder; for another, a replay of the
        earlier files that name one of its tables (or a table renamed into one of them).
        """
        order = self.order(folder)
        # The replay's snapshot of a file under review holds the tables of the migration remembered for it
        reviewed = migration.path in self._wanted and self._migrations.get(migration.path) is migration
        if reviewed or migration.path not in order:
            # One replay of the whole folder serves every file under review, instead of a replay of the
            # relevant earlier files per file, which grew with the square of the folder (issue #18); the
            # tables a file touches end up the same either way.
            replayed = self._replayed(folder, order)
            before = replayed.get(migration.path) if reviewed else None
            if before is None:
                before = replayed[""].copy(touched(migration.operations))
            return Position(before, self._complete(folder))
        # Not applied with the folder (a stray file, a file named on the command line): it runs against
        # whatever the whole folder built.
        earlier = order[: order.index(migration.path)] if migration.path in order else order
        names = {table_key(op.table) for op in migration.operations if op.table}
        names.discard("")
        relevant: list[str] = []
        for path in reversed(earlier):
            if not self._mentions(path, names):
                continue
            relevant.append(path)
            found = self._migration(path)
            for op in found.operations if found is not None else ():
                if op.kind is OpKind.RENAME_TABLE and op.table and table_key(op.new_name) in names:
                    names.add(table_key(op.table))  # follow the table back to its earlier name
        schema = Schema()
        for path in reversed(relevant):
            found = self._migration(path)
            for op in found.operations if found is not None else ():
                schema.apply(op)
        return Position(schema, self._complete(folder))

    def _replayed(self, folder: str, order: tuple[str, ...]) -> dict[str, Schema]:
        """The schema before each file under review of the folder, and ("") after the folder's last file."""
        found = self._snapshots.get(folder)
        if found is None:
            schema = Schema()
            found = {}
            for path in order:
                loaded = self._migration(path)
                if path in self._wanted and loaded is not None:
                    # Only the tables the file touches: a copy of the whole schema per file grew with
                    # the square of the folder (issue #18), and with_known_types/known_tables read no other.
                    found[path] = schema.copy(touched(loaded.operations))
                for op in loaded.operations if loaded is not None else ():
                    schema.apply(op)
            found[""] = schema
            self._snapshots[folder] = found
        return found

    def _mentions(self, path: str, names: set[str]) -> bool:
        text = self._lowered.get(path)
        if text is None:
            text = self._lowered[path] = (self.read(path) or "").lower()
        return any(name in text for name in names)

    def _migration(self, path: str) -> Migration | None:
        if path not in self._migrations:
            self._migrations[path] = self.load(path)
        return self._migrations[path]

    def _complete(self, folder: str) -> bool:
        found = self._completes.get(folder)
        if found is None:
            order = self.order(folder)
            first = self._migration(order[0]) if order else None
            found = self._completes[folder] = first is not None and any(
                op.kind is OpKind.CREATE_TABLE for op in first.operations)
        return found


def touched(operations: Iterable[Operation]) -> frozenset[str]:
    """The table keys operations read or change in a Schema (a renamed table under both names)."""
    keys = {table_key(op.table) for op in operations}
    keys.update(table_key(op.new_name) for op in operations if op.kind is OpKind.RENAME_TABLE)
    keys.discard("")
    return frozenset(keys)


def with_known_types(operations: Sequence[Operation], before: Schema) -> tuple[Operation, ...]:
    """The operations with each type change's old type filled in from the history, where it knows it."""
    schema = before.copy()
    out: list[Operation] = []
    for op in operations:
        if op.kind is OpKind.ALTER_COLUMN_TYPE and op.old_type is None:
            old = schema.column_type(op.table, op.column_name)
            if old is not None:
                op = replace(op, old_type=old)
        out.append(op)
        schema.apply(op)
    return tuple(out)


def known_tables(operations: Sequence[Operation], before: Schema) -> tuple[bool, ...]:
    """For each operation: whether the history (plus the file up to it) shows its table as existing."""
    schema = before.copy()
    out: list[bool] = []
    for op in operations:
        out.append(table_key(op.table) in schema.tables)
        schema.apply(op)
    return tuple(out)


def _journal_order(text: str | None) -> dict[str, int]:
    if text is None:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    entries = data.get("entries") if isinstance(data, dict) else None
    order: dict[str, int] = {}
    for position, entry in enumerate(entries if isinstance(entries, list) else []):
        if isinstance(entry, dict) and "tag" in entry:
            order[str(entry["tag"])] = position
    return order
