"""Verdict: pass or fail, and the one-line reason."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"


@dataclass(frozen=True, slots=True)
class Verdict:
    outcome: Outcome
    reason: str
    blocking: int = 0

    @property
    def passed(self) -> bool:
        return self.outcome is Outcome.PASS
