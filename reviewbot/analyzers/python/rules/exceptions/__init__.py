"""The exceptions family's rules, listed explicitly and sorted by code."""

from __future__ import annotations

from reviewbot.analyzers.python.rule import PythonRule
from reviewbot.analyzers.python.rules.exceptions.bare_except import BareExcept
from reviewbot.analyzers.python.rules.exceptions.jump_in_finally import JumpInFinally
from reviewbot.analyzers.python.rules.exceptions.suppressed_broad_exception import SuppressedBroadException
from reviewbot.analyzers.python.rules.exceptions.swallowed_broad_exception import SwallowedBroadException
from reviewbot.analyzers.python.rules.exceptions.swallowed_psp_error import SwallowedPspError

EXCEPTIONS_RULES: tuple[type[PythonRule], ...] = (
    BareExcept,
    SwallowedBroadException,
    SuppressedBroadException,
    JumpInFinally,
    SwallowedPspError,
)
