"""The child processes reviewbot started (parser workers, tool runs), so an interrupt can stop them at once.

A Ctrl-C from a terminal reaches the whole process group, but `kill -INT <pid>` or a CI runner's cancel
reaches reviewbot alone: without this registry a mypy run or a parser worker would outlive the run that
started it.
"""

from __future__ import annotations

import threading
from typing import Protocol


class Killable(Protocol):
    def kill(self) -> None: ...


# Re-entrant: the interrupt handler runs on the main thread, possibly while that thread holds the lock.
_LOCK = threading.RLock()
_LIVE: set[Killable] = set()
_STOPPING = False  # set by stop_all: a child started afterwards (a pool replacing a worker) dies at once


def track(child: Killable) -> None:
    """Remember a child until `untrack`; `stop_all` kills every remembered one."""
    with _LOCK:
        if not _STOPPING:
            _LIVE.add(child)
            return
    child.kill()


def untrack(child: Killable) -> None:
    with _LOCK:
        _LIVE.discard(child)


def stop_all() -> int:
    """Kill every live child reviewbot started, and any it starts from now on; the number stopped."""
    global _STOPPING
    with _LOCK:
        _STOPPING = True
        children = list(_LIVE)
        _LIVE.clear()
    for child in children:
        try:
            child.kill()
        except (OSError, ValueError):  # already gone, or a Process whose handle was closed
            continue
    return len(children)
