"""run_analyzers: the analyzers run on their own threads while the calling thread does the gate's reading."""

from __future__ import annotations

import threading

from reviewbot.analyzers.base import AnalyzerResult, NullProgress, Progress
from reviewbot.config import Config
from reviewbot.core.changes import ChangeSet
from reviewbot.pipeline import run_analyzers


class WaitsForTheCaller:
    """An analyzer that finishes only once the calling thread's `meanwhile` has run (or after 10 s)."""

    name = "waits"

    def __init__(self, released: threading.Event) -> None:
        self.released = released

    def analyze(self, changes: ChangeSet, config: Config, progress: Progress) -> AnalyzerResult:
        seen = self.released.wait(timeout=10)
        return AnalyzerResult(name=self.name, findings=(), seconds=0.0, files=0, read=(), notes=(f"released={seen}",))


def test_meanwhile_runs_on_the_calling_thread_while_the_analyzers_run():
    released = threading.Event()
    threads: list[str] = []

    def meanwhile() -> None:
        threads.append(threading.current_thread().name)
        released.set()

    results, notes = run_analyzers(ChangeSet(root=".", files=()), Config(), [WaitsForTheCaller(released)], NullProgress(), meanwhile)
    assert [r.notes for r in results] == [("released=True",)]  # the analyzer saw it before it finished
    assert threads == [threading.current_thread().name] and notes == []


def test_meanwhile_runs_even_without_analyzers():
    ran: list[bool] = []
    assert run_analyzers(ChangeSet(root=".", files=()), Config(), [], NullProgress(), lambda: ran.append(True)) == ([], [])
    assert ran == [True]
