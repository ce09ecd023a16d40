"""The TypeScript concurrency family's rules, listed explicitly and sorted by code."""

from __future__ import annotations

from reviewbot.analyzers.typescript.rule import TypeScriptRule
from reviewbot.analyzers.typescript.rules.concurrency.check_then_insert_without_lock import (
    CheckThenInsertWithoutLock,
)
from reviewbot.analyzers.typescript.rules.concurrency.read_modify_write_without_lock import (
    ReadModifyWriteWithoutLock,
)
from reviewbot.analyzers.typescript.rules.concurrency.unguarded_status_update import UnguardedStatusUpdateTs

CONCURRENCY_RULES: tuple[type[TypeScriptRule], ...] = (
    ReadModifyWriteWithoutLock,
    UnguardedStatusUpdateTs,
    CheckThenInsertWithoutLock,
)
