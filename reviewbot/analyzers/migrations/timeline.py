"""Walk a migration's operations in order: transaction, new tables and lock_timeout at each step."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from reviewbot.analyzers.migrations.model import Migration, Operation, OpKind, Runner
from reviewbot.config import MigrationsConfig

# ALTER TABLE subcommands and statements, by the strongest table lock they take (PG 16 docs,
# "Explicit Locking", and measured — see the research note). Absent: no write-blocking lock.
LOCKS: dict[OpKind, tuple[str, str]] = {
    OpKind.CREATE_INDEX: ("SHARE", "blocks inserts, updates and deletes"),
    OpKind.DROP_INDEX: ("ACCESS EXCLUSIVE", "blocks reads and writes"),
    OpKind.DROP_TABLE: ("ACCESS EXCLUSIVE", "blocks reads and writes"),
    OpKind.RENAME_TABLE: ("ACCESS EXCLUSIVE", "blocks reads and writes"),
    OpKind.ADD_COLUMN: ("ACCESS EXCLUSIVE", "blocks reads and writes"),
    OpKind.DROP_COLUMN: ("ACCESS EXCLUSIVE", "blocks reads and writes"),
    OpKind.RENAME_COLUMN: ("ACCESS EXCLUSIVE", "blocks reads and writes"),
    OpKind.ALTER_COLUMN_TYPE: ("ACCESS EXCLUSIVE", "blocks reads and writes"),
    OpKind.SET_NOT_NULL: ("ACCESS EXCLUSIVE", "blocks reads and writes"),
    OpKind.OTHER_ALTER: ("ACCESS EXCLUSIVE", "blocks reads and writes"),
    OpKind.VACUUM_FULL: ("ACCESS EXCLUSIVE", "blocks reads and writes"),
    OpKind.CLUSTER: ("ACCESS EXCLUSIVE", "blocks reads and writes"),
    OpKind.REINDEX: ("SHARE", "blocks writes (and ACCESS EXCLUSIVE on each index, blocking reads that use it)"),
    OpKind.TABLE_REBUILD: ("ACCESS EXCLUSIVE", "blocks reads and writes"),
}
WRITE_BLOCKING_MODES = frozenset({"SHARE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE"})


def lock_of(op: Operation) -> tuple[str, str] | None:
    """(lock mode, what it blocks) of a write-blocking operation; None if it blocks no writes."""
    if op.concurrently:
        return None
    if op.kind is OpKind.ADD_CONSTRAINT:
        if op.constraint is not None and op.constraint.value == "foreign key":
            return ("SHARE ROW EXCLUSIVE", "blocks writes on both tables")
        return ("ACCESS EXCLUSIVE", "blocks reads and writes")
    if op.kind is OpKind.LOCK_TABLE or (op.kind is OpKind.OTHER_ALTER and op.lock_mode):
        # LOCK TABLE names its mode; some ALTER TABLE subcommands take less than ACCESS EXCLUSIVE.
        if op.lock_mode in WRITE_BLOCKING_MODES:
            blocks = "blocks reads and writes" if op.lock_mode == "ACCESS EXCLUSIVE" else "blocks writes"
            return (op.lock_mode, blocks)
        return None
    return LOCKS.get(op.kind)


def table_key(name: str | None) -> str:
    """Compare table names without schema or quotes, case-insensitively."""
    if not name:
        return ""
    return name.rsplit(".", 1)[-1].strip('"').lower()


@dataclass(frozen=True, slots=True)
class Step:
    op: Operation
    index: int
    in_transaction: bool
    transaction: int  # one id per transaction; each autocommit statement gets its own
    table_is_new: bool  # the table was created earlier in this migration (or in the change set)
    lock_timeout_ms: int  # the lock_timeout in force before this step (0: none)


@dataclass(frozen=True, slots=True)
class Timeline:
    migration: Migration
    steps: tuple[Step, ...]
    config: MigrationsConfig

    def in_transaction_with(self, step: Step) -> Iterator[Step]:
        """The other steps of the same (real) transaction as `step`."""
        if not step.in_transaction:
            return
        for other in self.steps:
            if other.transaction == step.transaction and other.index != step.index:
                yield other

    def before(self, step: Step) -> tuple[Step, ...]:
        return self.steps[: step.index]


def build_timeline(
    migration: Migration, config: MigrationsConfig, created_elsewhere: Iterable[str] = ()
) -> Timeline:
    """Annotate every operation with its transaction, table novelty and lock_timeout."""
    in_tx = migration.in_transaction
    after_commit = in_tx and migration.runner in (Runner.GOLANG_MIGRATE, Runner.PRISMA)
    tx = 0
    timeout = 0
    created: set[str] = {table_key(t) for t in created_elsewhere}
    previous_autocommit = False
    previous: Operation | None = None
    steps: list[Step] = []
    for index, op in enumerate(migration.operations):
        same_statement = previous is not None and op.statement != (0, 0) and op.statement == previous.statement
        if same_statement:
            pass  # one statement (a multi-command ALTER TABLE, a DO block) is one transaction
        elif op.kind is OpKind.BEGIN:
            if not in_tx:
                in_tx = True
                tx += 1
        elif op.kind is OpKind.COMMIT:
            in_tx = after_commit
            tx += 1
        elif op.autocommit or not in_tx or previous_autocommit:
            # Autocommit: every statement is its own transaction. Alembic's autocommit_block
            # commits before it and starts a new transaction after it.
            tx += 1
        previous_autocommit = op.autocommit
        previous = op
        key = table_key(op.table)
        steps.append(
            Step(
                op=op,
                index=index,
                # A DO block is a function call: its statements always share one transaction.
                in_transaction=op.in_do_block or (in_tx and not op.autocommit),
                transaction=tx,
                table_is_new=bool(key) and key in created,
                lock_timeout_ms=timeout,
            )
        )
        if op.kind is OpKind.SET_LOCK_TIMEOUT:
            timeout = op.lock_timeout_ms or 0
        elif op.kind is OpKind.CREATE_TABLE and key:
            created.add(key)
        elif op.kind is OpKind.RENAME_TABLE and key in created and op.new_name:
            created.add(table_key(op.new_name))
    return Timeline(migration, tuple(steps), config)
