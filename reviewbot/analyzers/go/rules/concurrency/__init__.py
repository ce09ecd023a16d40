"""The Go concurrency family's rules, listed explicitly and sorted by code."""

from __future__ import annotations

from reviewbot.analyzers.go.rule import GoRule
from reviewbot.analyzers.go.rules.concurrency.unguarded_status_update_go import UnguardedStatusUpdateGo
from reviewbot.analyzers.go.rules.concurrency.unlocked_amount_read_modify_write import (
    UnlockedAmountReadModifyWrite,
)
from reviewbot.analyzers.go.rules.concurrency.unlocked_refund_check_then_insert import (
    UnlockedRefundCheckThenInsert,
)

CONCURRENCY_RULES: tuple[type[GoRule], ...] = (
    UnguardedStatusUpdateGo,
    UnlockedAmountReadModifyWrite,
    UnlockedRefundCheckThenInsert,
)
