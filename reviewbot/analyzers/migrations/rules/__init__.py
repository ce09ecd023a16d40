"""MIGRATION_RULES: every migration rule class, listed explicitly and sorted by code."""

from __future__ import annotations

from reviewbot.analyzers.migrations.rule import MigrationRule
from reviewbot.analyzers.migrations.rules.backfill_in_ddl_transaction import BackfillInDdlTransaction
from reviewbot.analyzers.migrations.rules.blocking_table_maintenance import BlockingTableMaintenance
from reviewbot.analyzers.migrations.rules.column_add_rewriting_table import ColumnAddRewritingTable
from reviewbot.analyzers.migrations.rules.column_type_change_rewriting_table import (
    ColumnTypeChangeRewritingTable,
)
from reviewbot.analyzers.migrations.rules.concurrently_in_transaction import ConcurrentlyInTransaction
from reviewbot.analyzers.migrations.rules.constraint_without_not_valid import ConstraintWithoutNotValid
from reviewbot.analyzers.migrations.rules.dropped_column_or_table import DroppedColumnOrTable
from reviewbot.analyzers.migrations.rules.enum_value_in_transaction import EnumValueInTransaction
from reviewbot.analyzers.migrations.rules.float_money_sql_column import FloatMoneySqlColumn
from reviewbot.analyzers.migrations.rules.index_without_concurrently import IndexWithoutConcurrently
from reviewbot.analyzers.migrations.rules.lock_without_timeout import LockWithoutTimeout
from reviewbot.analyzers.migrations.rules.not_null_column_without_default import NotNullColumnWithoutDefault
from reviewbot.analyzers.migrations.rules.renamed_column_or_table import RenamedColumnOrTable
from reviewbot.analyzers.migrations.rules.set_not_null_without_check import SetNotNullWithoutCheck
from reviewbot.analyzers.migrations.rules.unique_constraint_without_index import UniqueConstraintWithoutIndex
from reviewbot.analyzers.migrations.rules.validate_in_same_transaction import ValidateInSameTransaction

MIGRATION_RULES: tuple[type[MigrationRule], ...] = (
    FloatMoneySqlColumn,
    IndexWithoutConcurrently,
    ConcurrentlyInTransaction,
    NotNullColumnWithoutDefault,
    ColumnAddRewritingTable,
    ColumnTypeChangeRewritingTable,
    SetNotNullWithoutCheck,
    ConstraintWithoutNotValid,
    ValidateInSameTransaction,
    UniqueConstraintWithoutIndex,
    RenamedColumnOrTable,
    DroppedColumnOrTable,
    LockWithoutTimeout,
    BackfillInDdlTransaction,
    BlockingTableMaintenance,
    EnumValueInTransaction,
)

MIGRATION_RULE_INFOS = tuple(rule.info() for rule in MIGRATION_RULES)
