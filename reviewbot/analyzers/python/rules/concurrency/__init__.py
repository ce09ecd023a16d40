"""The concurrency family's rules, listed explicitly and sorted by code."""

from __future__ import annotations

from reviewbot.analyzers.python.rule import PythonRule
from reviewbot.analyzers.python.rules.concurrency.check_then_act_transition import CheckThenActTransition
from reviewbot.analyzers.python.rules.concurrency.unguarded_status_transition import (
    UnguardedStatusTransition,
)
from reviewbot.analyzers.python.rules.concurrency.unlocked_balance_update import UnlockedBalanceUpdate

CONCURRENCY_RULES: tuple[type[PythonRule], ...] = (
    UnlockedBalanceUpdate,
    UnguardedStatusTransition,
    CheckThenActTransition,
)
