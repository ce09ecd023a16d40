"""Interrupts: a Ctrl-C stops a real `reviewbot audit` and its workers at once, exit 130, no traceback
(issues #14.7 and #15), whether it reaches reviewbot alone (`kill -INT`) or the whole process group (a
terminal's Ctrl-C, which also reaches the worker processes and the tools)."""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fuzz.budget import check, count
from tests.fuzz.oracle import REVIEWBOT

# A hang detector, not a speed measure (bench fuzz reports the time a stop takes): an interrupted run
# that has not exited after this long did not stop.
HANG_SECONDS = 30


@pytest.fixture(scope="module")
def large_tree(tmp_path_factory) -> Path:
    """About 8 MB of payment-flavoured Python: a run of several seconds even on a fast machine."""
    root = tmp_path_factory.mktemp("large-tree")
    body = "".join(
        f"def refund_{i}(amount_cents: int, fee: float = 0.5) -> float:\n"
        f"    total = amount_cents / 2 + fee\n    return float(total)\n\n"
        for i in range(300)
    )
    for package in range(30):
        for module in range(30):
            target = root / f"pkg{package}" / f"mod{module}.py"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(body, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def startup_seconds() -> float:
    """How long this interpreter takes to start (before it runs any of reviewbot's code).

    A SIGINT before then lands in CPython's own start-up (`site`), which reviewbot cannot handle.
    """
    times = []
    for _ in range(3):
        started = time.monotonic()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        times.append(time.monotonic() - started)
    return statistics.median(times)


def leftovers(tree: Path) -> list[str]:
    """Processes still running in the tree or naming it: workers, tools."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cwd = os.readlink(f"/proc/{pid}/cwd")
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if cwd == str(tree) or str(tree) in cmdline:
            found.append(f"{pid}: {cmdline[:120]}")
    return found


def interrupt(tree: Path, delay: float, group: bool, tools: str) -> tuple[list[str], float]:
    """Start an audit, SIGINT it after `delay` s; the violations, and how long it took to stop."""
    child = subprocess.Popen(
        [REVIEWBOT, "audit", str(tree), "--tools", tools, "--format", "json"],
        cwd=tree, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )
    time.sleep(delay)
    sent = time.monotonic()
    if group:
        os.killpg(child.pid, signal.SIGINT)
    else:
        child.send_signal(signal.SIGINT)
    what = f"SIGINT to {'the process group' if group else 'reviewbot'} after {delay:.2f} s (--tools {tools})"
    try:
        _, err = child.communicate(timeout=HANG_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.communicate()
        return [f"{what}: still running {HANG_SECONDS} s later"], HANG_SECONDS
    stopped = time.monotonic() - sent
    stderr = err.decode("utf-8", "replace")
    violations = []
    if child.returncode != 130:
        violations.append(f"{what}: exit {child.returncode}, stderr {stderr[-300:]!r}")
    if "Traceback" in stderr or "KeyboardInterrupt" in stderr:
        violations.append(f"{what}: a traceback on stderr: {stderr[-500:]!r}")
    time.sleep(0.2)
    left = leftovers(tree)
    if left:
        violations.append(f"{what}: processes left running: {left}")
        for line in left:
            os.kill(int(line.split(":")[0]), signal.SIGKILL)
    return violations, stopped


@pytest.mark.parametrize("group", [False, True], ids=["kill-INT", "process-group"])
def test_ctrl_c_stops_an_audit_and_its_workers_with_exit_130_and_no_traceback(large_tree, startup_seconds, group):
    # Early (while reviewbot starts: imports, config), in the first 0.6 s, and in the middle of the run.
    delays = [2 * startup_seconds, 0.3, 0.6, 2.0][: count(4, 4)]
    if count(1, 10) > 1:  # bench: many more, spread over the first seconds
        delays = [2 * startup_seconds + 0.1 * i for i in range(count(4, 40))]
    violations: list[str] = []
    stops: list[float] = []
    for delay in delays:
        found, stopped = interrupt(large_tree, delay, group, "none")
        violations += found
        stops.append(stopped)
    check("interrupts", len(delays), violations, stops)


def test_ctrl_c_also_stops_the_external_tools(large_tree):
    violations: list[str] = []
    stops: list[float] = []
    delays = [1.0, 3.0] if count(1, 10) == 1 else [0.5 + 0.5 * i for i in range(count(2, 10))]
    for delay in delays:
        found, stopped = interrupt(large_tree, delay, False, "ruff,mypy")
        violations += found
        stops.append(stopped)
    check("interrupts-tools", len(delays), violations, stops)
