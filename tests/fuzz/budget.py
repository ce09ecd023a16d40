"""How much each fuzz test runs: a bounded, reproducible budget in CI; thousands of inputs under `python -m bench fuzz`.

`REVIEWBOT_FUZZ=bench` switches to the long run: random seeds, many more examples, and violations are
recorded (to `REVIEWBOT_FUZZ_REPORT`, one JSON object per batch) instead of failing at the first one,
so the bench can print figures per input class.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence

from hypothesis import HealthCheck, settings

MODE = os.environ.get("REVIEWBOT_FUZZ", "ci")
SCALE = float(os.environ.get("REVIEWBOT_FUZZ_SCALE", "1"))
REPORT = os.environ.get("REVIEWBOT_FUZZ_REPORT", "")


def budget(ci: int, bench: int) -> settings:
    """Hypothesis settings: `ci` examples, derandomized (the same inputs every run); or `bench` random ones."""
    common = {
        "deadline": None,
        "suppress_health_check": list(HealthCheck),
        "database": None,
        "print_blob": True,
    }
    if MODE == "bench":
        return settings(max_examples=max(1, int(bench * SCALE)), derandomize=False, **common)
    return settings(max_examples=ci, derandomize=True, **common)


def count(ci: int, bench: int) -> int:
    """A plain repetition count for the fuzz cases that are not property-based (interrupts, concurrency)."""
    return max(1, int(bench * SCALE)) if MODE == "bench" else ci


def check(case: str, inputs: int, violations: Sequence[str], measures: Sequence[float] = ()) -> None:
    """Fail on any violation (CI); in bench mode record the batch (and any measures) and go on."""
    if REPORT:
        record = {"case": case, "inputs": inputs, "violations": list(violations), "measures": list(measures)}
        with open(REPORT, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")
    if MODE != "bench":
        assert not violations, "\n".join(violations)
