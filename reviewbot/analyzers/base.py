"""The Analyzer protocol and the result every analyzer returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from reviewbot.config import Config
from reviewbot.core.changes import ChangeSet
from reviewbot.core.findings import Finding


@dataclass(frozen=True, slots=True)
class AnalyzerResult:
    name: str
    findings: tuple[Finding, ...]
    seconds: float
    files: int
    notes: tuple[str, ...] = ()
    # The change set's paths this analyzer read; the pipeline names every changed file none read.
    read: tuple[str, ...] = ()


class Progress(Protocol):
    def advance(self, label: str, done: int, total: int) -> None: ...


class Analyzer(Protocol):
    """One stage that turns a ChangeSet into Findings."""

    @property
    def name(self) -> str: ...

    def analyze(self, changes: ChangeSet, config: Config, progress: Progress) -> AnalyzerResult: ...


class NullProgress:
    def advance(self, label: str, done: int, total: int) -> None:
        return None
