"""The Go exceptions family's rules, listed explicitly and sorted by code."""

from __future__ import annotations

from reviewbot.analyzers.go.rule import GoRule
from reviewbot.analyzers.go.rules.exceptions.empty_error_branch import EmptyErrorBranch

EXCEPTIONS_RULES: tuple[type[GoRule], ...] = (EmptyErrorBranch,)
