"""`python -m bench fuzz`: the fuzz suite (tests/fuzz) with thousands of random inputs, and its figures.

The same tests run in CI with a small, derandomized budget; here they draw fresh random inputs, go on
after a violation, and record every batch, so the table below says how many inputs of each class of
issue #15 were tried and how many broke a promise.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
CLASSES = {
    "python-programs": "random Python programs (hypothesmith)",
    "python-mutants": "mutants of our payment code (platform + rule examples)",
    "sql-migrations": "SQL migrations, mutated",
    "alembic-migrations": "Alembic migrations, mutated",
    "django-migrations": "Django migrations, mutated",
    "git-paths": "git ranges, staged changes and patches with odd paths",
    "configurations": "configuration files and options",
    "baselines": "baseline files",
    "interrupts": "Ctrl-C (SIGINT to reviewbot or its process group)",
    "interrupts-tools": "Ctrl-C during ruff and mypy",
    "concurrent-runs": "concurrent runs sharing caches (4 at once)",
    "secrets": "canary secrets in reviewed code, every output format",
}


def main(scale: float, only: str | None) -> int:
    RESULTS.mkdir(parents=True, exist_ok=True)
    report = Path(tempfile.mkstemp(prefix="reviewbot-fuzz-", suffix=".jsonl")[1])
    env = {**os.environ, "REVIEWBOT_FUZZ": "bench", "REVIEWBOT_FUZZ_SCALE": str(scale), "REVIEWBOT_FUZZ_REPORT": str(report)}
    target = f"tests/fuzz/test_{only}.py" if only else "tests/fuzz"
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "pytest", target, "-q", "-p", "no:cacheprovider"],
                   cwd=REPO, env=env, check=False)
    seconds = time.monotonic() - started
    inputs: dict[str, int] = defaultdict(int)
    broken: dict[str, list[str]] = defaultdict(list)
    measures: dict[str, list[float]] = defaultdict(list)
    for line in report.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        inputs[record["case"]] += record["inputs"]
        broken[record["case"]] += record["violations"]
        measures[record["case"]] += record.get("measures", [])
    report.unlink()
    print(f"\n### Fuzz: {sum(inputs.values()):,} generated inputs in {seconds / 60:.0f} min (scale {scale:g})\n")
    print("| input class | inputs | violations | |")
    print("|---|---|---|---|")
    for case, label in CLASSES.items():
        if case not in inputs:
            continue
        extra = ""
        if measures[case]:
            extra = f"stopped in median {statistics.median(measures[case]):.2f} s, max {max(measures[case]):.2f} s"
        print(f"| {label} | {inputs[case]:,} | {len(broken[case])} | {extra} |")
    details = RESULTS / "fuzz-violations.txt"
    details.write_text("".join(f"[{case}] {v}\n" for case, items in broken.items() for v in items), encoding="utf-8")
    print(f"\nviolations, one per line: {details}")
    return 0
