"""Concurrent runs on one repository never lose findings (issue #15): several `reviewbot audit` processes
with ruff and mypy share the repository's caches (`.mypy_cache`, `.ruff_cache`) and its output files,
and each must report exactly what a run alone reports; files they write are whole."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.fuzz.budget import check, count
from tests.fuzz.oracle import REVIEWBOT, write

RUNS_AT_ONCE = 4
MODULE = """\
import os


def refund_{i}(order) -> float:
    amount: float = order.total
    count: int = "{i}"
    return amount
"""


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("concurrent")
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    for i in range(12):
        write(root, f"payments/refund_{i}.py", MODULE.format(i=i).encode())
    write(root, "payments/__init__.py", b"")
    return root


def findings(stdout: bytes) -> set[tuple[str, str, int]]:
    return {(f["rule"], f["path"], f["line"]) for f in json.loads(stdout)["findings"]}


def audit_at_once(root: Path, runs: int, *extra: str) -> list[subprocess.CompletedProcess[bytes]]:
    command = [REVIEWBOT, "audit", ".", "--tools", "ruff,mypy", "--format", "json", "-q", *extra]
    children = [subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(runs)]
    return [subprocess.CompletedProcess(command, c.wait(), *c.communicate()) for c in children]


def test_concurrent_runs_sharing_the_caches_report_what_a_run_alone_reports(repo):
    alone = subprocess.run([REVIEWBOT, "audit", ".", "--tools", "ruff,mypy", "--format", "json", "-q"],
                           cwd=repo, capture_output=True, check=False)
    expected = findings(alone.stdout)
    assert {rule for rule, _, _ in expected} >= {"RB101", "F401", "assignment"}, expected
    violations: list[str] = []
    rounds = count(1, 50)
    for round_ in range(rounds):
        for cache in (".mypy_cache", ".ruff_cache"):  # cold caches: every run writes them at once
            shutil.rmtree(repo / cache, ignore_errors=True)
        for index, done in enumerate(audit_at_once(repo, RUNS_AT_ONCE)):
            what = f"round {round_} run {index}"
            if done.returncode != 1:
                violations.append(f"{what}: exit {done.returncode}: {done.stderr.decode(errors='replace')[-300:]!r}")
                continue
            got = findings(done.stdout)
            if got != expected:
                violations.append(f"{what}: lost {sorted(expected - got)}, gained {sorted(got - expected)}")
    check("concurrent-runs", rounds * RUNS_AT_ONCE, violations)


def test_concurrent_runs_writing_the_same_report_and_baseline_leave_whole_files(repo):
    report = repo / "report.json"
    for done in audit_at_once(repo, RUNS_AT_ONCE, "-o", str(report)):
        assert done.returncode == 1, done.stderr
    assert findings(report.read_bytes())
    baseline = [REVIEWBOT, "baseline", ".", "--tools", "none", "-q", "-o", "baseline.json"]
    children = [subprocess.Popen(baseline, cwd=repo, stderr=subprocess.PIPE) for _ in range(RUNS_AT_ONCE)]
    assert [c.wait() for c in children] == [0] * RUNS_AT_ONCE
    assert json.loads((repo / "baseline.json").read_text(encoding="utf-8"))["findings"]
    assert not list(repo.glob(".*.tmp")), "a temporary file was left behind"
