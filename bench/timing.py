"""Run a command N times: median, min and max wall seconds, and peak RSS of the child."""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Measure:
    label: str
    seconds: tuple[float, ...]
    peak_mb: float
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    def row(self, floor: float | None = None) -> str:
        ratio = f"{self.median / floor:.2f}×" if floor else ""
        lo, hi = min(self.seconds), max(self.seconds)
        return f"| {self.label} | {self.median:.2f} | {lo:.2f}–{hi:.2f} | {ratio} | {self.peak_mb:.0f} | {self.note} |"


def run_once(cmd: Sequence[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> tuple[float, float, int]:
    """(wall seconds, peak RSS MiB, exit status) of one run; output discarded.

    Commands run as on a user's machine, where Python keeps the bytecode of what it imports: with
    PYTHONDONTWRITEBYTECODE=1 (some CI images and sandboxes set it) every run of an editable checkout
    recompiles reviewbot and times the compiler instead (0.2-0.4 s a run)."""
    env = {k: v for k, v in (os.environ if env is None else env).items() if k != "PYTHONDONTWRITEBYTECODE"}
    started = time.perf_counter()
    proc = subprocess.Popen(list(cmd), cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.stderr is not None:
        proc.stderr.close()
    return wall, usage.ru_maxrss / 1024, proc.returncode


def measure(label: str, cmd: Sequence[str], runs: int, cwd: Path | None = None,
            env: dict[str, str] | None = None, ok_codes: Sequence[int] = (0, 1), note: str = "") -> Measure:
    walls: list[float] = []
    peak = 0.0
    if runs > 1:  # a warm-up: bytecode written, files in the page cache, as on a user's second run
        run_once(cmd, cwd, env)
    for _ in range(runs):
        wall, rss, code = run_once(cmd, cwd, env)
        if code not in ok_codes:
            raise SystemExit(f"bench: {label}: {' '.join(cmd)} exited {code}")
        walls.append(wall)
        peak = max(peak, rss)
    return Measure(label, tuple(walls), peak, note)


TABLE_HEAD = "| what | median s | min–max s | ratio | peak MiB | note |\n|---|---|---|---|---|---|"
