"""The Go exceptions family's rules, listed explicitly and sorted by code."""

from __future__ import annotations

from reviewbot.analyzers.go.rule import GoRule
from reviewbot.analyzers.go.rules.exceptions.discarded_amount_parse_error import DiscardedAmountParseError
from reviewbot.analyzers.go.rules.exceptions.discarded_mutation_error import DiscardedMutationError
from reviewbot.analyzers.go.rules.exceptions.empty_error_branch import EmptyErrorBranch
from reviewbot.analyzers.go.rules.exceptions.money_update_error_only_logged import MoneyUpdateErrorOnlyLogged

EXCEPTIONS_RULES: tuple[type[GoRule], ...] = (
    DiscardedMutationError,
    EmptyErrorBranch,
    DiscardedAmountParseError,
    MoneyUpdateErrorOnlyLogged,
)
