"""The operation model every migration front end (SQL, Alembic, Django) produces and every rule reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Framework(StrEnum):
    SQL = "sql"
    ALEMBIC = "alembic"
    DJANGO = "django"


class Runner(StrEnum):
    PSQL = "psql"
    DRIZZLE = "drizzle"
    DIESEL = "diesel"
    GOLANG_MIGRATE = "golang-migrate"
    FLYWAY = "flyway"
    PRISMA = "prisma"
    DBMATE = "dbmate"
    SQITCH = "sqitch"
    ATLAS = "atlas"
    ALEMBIC = "alembic"
    DJANGO = "django"


class OpKind(StrEnum):
    BEGIN = "begin"
    COMMIT = "commit"
    SET_LOCK_TIMEOUT = "set-lock-timeout"
    CREATE_TABLE = "create-table"
    DROP_TABLE = "drop-table"
    RENAME_TABLE = "rename-table"
    CREATE_INDEX = "create-index"
    DROP_INDEX = "drop-index"
    ADD_COLUMN = "add-column"
    DROP_COLUMN = "drop-column"
    RENAME_COLUMN = "rename-column"
    ALTER_COLUMN_TYPE = "alter-column-type"
    SET_NOT_NULL = "set-not-null"
    ADD_CONSTRAINT = "add-constraint"
    VALIDATE_CONSTRAINT = "validate-constraint"
    OTHER_ALTER = "other-alter"  # SET/DROP DEFAULT, DROP NOT NULL, DROP CONSTRAINT…: ACCESS EXCLUSIVE, instant
    BACKFILL = "backfill"  # UPDATE/DELETE, Django RunPython
    VACUUM_FULL = "vacuum-full"
    CLUSTER = "cluster"
    REINDEX = "reindex"
    LOCK_TABLE = "lock-table"
    TABLE_REBUILD = "table-rebuild"  # Alembic batch_alter_table(recreate="always")
    ADD_ENUM_VALUE = "add-enum-value"
    OTHER = "other"


class ConstraintKind(StrEnum):
    FOREIGN_KEY = "foreign key"
    CHECK = "check"
    UNIQUE = "unique"
    PRIMARY_KEY = "primary key"
    EXCLUSION = "exclusion"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class ColumnType:
    """A normalised PostgreSQL type: `varchar` with mods (50,), `numeric` (19, 4), `int8`."""

    name: str
    mods: tuple[int, ...] = ()
    array: bool = False

    def render(self) -> str:
        base = f"{self.name}({', '.join(str(m) for m in self.mods)})" if self.mods else self.name
        return base + ("[]" if self.array else "")


@dataclass(frozen=True, slots=True)
class Default:
    """A column default: its text, and whether evaluating it is volatile (rewrites the table)."""

    text: str
    volatile: bool


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: ColumnType | None = None
    not_null: bool = False
    default: Default | None = None
    serial: bool = False  # serial/bigserial/smallserial, Django AutoField
    identity: bool = False
    stored_generated: bool = False
    references: str | None = None  # inline REFERENCES / ForeignKey target table
    unique: bool = False
    primary_key: bool = False
    indexed: bool = False  # Django db_index / ForeignKey's implicit index


@dataclass(frozen=True, slots=True)
class Operation:
    """One schema or data operation at one place of a migration file."""

    kind: OpKind
    line: int
    end_line: int = 0
    table: str | None = None
    column: Column | None = None
    column_name: str | None = None
    new_name: str | None = None
    concurrently: bool = False
    unique: bool = False
    # ALTER COLUMN TYPE: the target type, the old one when known, and whether USING was given
    new_type: ColumnType | None = None
    old_type: ColumnType | None = None
    using: bool = False
    constraint: ConstraintKind | None = None
    constraint_name: str | None = None
    not_valid: bool = False
    using_index: bool = False
    references: str | None = None
    # CHECK (col IS NOT NULL): the columns such a check proves non-null
    proves_not_null: tuple[str, ...] = ()
    lock_timeout_ms: int | None = None
    lock_mode: str = ""  # LOCK TABLE … IN <mode> MODE
    enum_type: str | None = None
    enum_value: str | None = None
    # The statement's string literals, for RB415; SQL files that cannot add an enum value leave it empty
    string_literals: frozenset[str] = frozenset()
    description: str = ""  # what the operation is, for messages: "UPDATE payments", "RunPython"
    # Statements that run in autocommit whatever the runner (Alembic autocommit_block)
    autocommit: bool = False
    # The SQL statement this operation comes from: (its first line, its ordinal in the parsed text);
    # operations of one statement (ALTER TABLE … , …; the body of a DO block) share one transaction.
    statement: tuple[int, int] = (0, 0)
    # Inside a DO block: a function body, always one transaction, never allowed CONCURRENTLY
    in_do_block: bool = False
    columns: tuple[Column, ...] = field(default=())

    @property
    def last_line(self) -> int:
        return max(self.line, self.end_line)


@dataclass(frozen=True, slots=True)
class ParseProblem:
    """Where a front end could not read the file (becomes RB901)."""

    message: str
    line: int
    column: int = 1


@dataclass(frozen=True, slots=True)
class Migration:
    """One migration file read into operations, with how its runner wraps it in transactions."""

    path: str
    framework: Framework
    runner: Runner
    operations: tuple[Operation, ...]
    in_transaction: bool  # whether the runner wraps the file in a transaction
    problems: tuple[ParseProblem, ...] = ()
    # Why the file was not analysed at all (a template, not SQL yet); it becomes a note, not RB901
    not_analysed: str | None = None
