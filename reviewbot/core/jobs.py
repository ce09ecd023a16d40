"""How many worker processes a run uses: the CPUs this process may run on, bounded by `--jobs`.

On the lowest floor so that the CLI can size the fork server's work before it imports the configuration
(`cli._start_workers_early`).
"""

from __future__ import annotations

import os


def cpu_count() -> int:
    """The CPUs this process may run on (its affinity mask where the platform has one)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def effective_jobs(jobs: int) -> int:
    """Worker processes for `jobs`: 0 means one per CPU; more workers than CPUs only cost memory."""
    return min(jobs, cpu_count()) if jobs > 0 else cpu_count()
