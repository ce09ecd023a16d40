"""The whole gate with all three type checkers on a polyglot PR against the reference platform.

Issue #17: ruff + mypy + tsc + go vet + our rules must cost at most 1.15× the gate's slowest
analyzer. The PR touches one file of each service (Python, TypeScript, Go), well typed; caches warm.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.timing import TABLE_HEAD, measure

REPO = Path(__file__).resolve().parents[1]
PLATFORM = REPO / "fixtures" / "platform"
BIN = Path(sys.executable).parent
ALL_TOOLS = "ruff,mypy,tsc,go-vet"
GIT_ENV = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "b@x", "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "b@x"}
EDITS = (
    ("app/money.py", "\n\ndef bench_fee_minor(amount_minor: int) -> int:\n    return amount_minor // 100 + 30\n"),
    ("api/src/money.ts", "\nexport const benchFeeMinor = (amountMinor: number): number => Math.trunc(amountMinor / 100) + 30;\n"),
    ("gateway/internal/money/money.go", "\n// BenchFee is a flat fee in minor units.\nfunc BenchFee(a Amount) Minor { return a.Minor/100 + 30 }\n"),
)


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, env={**os.environ, **GIT_ENV}, check=True, capture_output=True)


def _platform_pr(work: Path) -> Path:
    repo = work / "platform"
    shutil.copytree(PLATFORM, repo, ignore=shutil.ignore_patterns("node_modules", "__pycache__", ".*_cache"))
    modules = PLATFORM / "api" / "node_modules"
    if not modules.is_dir():
        raise SystemExit("bench: run `npm ci` in fixtures/platform/api first (tsc is part of this measurement)")
    (repo / "api" / "node_modules").symlink_to(modules, target_is_directory=True)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "base")
    _git(repo, "checkout", "-q", "-b", "pr")
    for rel, addition in EDITS:
        with (repo / rel).open("a", encoding="utf-8") as handle:
            handle.write(addition)
    _git(repo, "commit", "-qam", "pr")
    return repo


def _stats(repo: Path, tools: str) -> dict[str, object]:
    cmd = [str(BIN / "reviewbot"), "diff", "--base", "main", "--head", "pr", "--tools", tools, "-q", "--format", "json", "--no-cache"]
    out = subprocess.run(cmd, cwd=repo, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"bench: the clean polyglot PR did not pass: {out.stdout[-2000:]} {out.stderr[-2000:]}")
    stats: dict[str, object] = json.loads(out.stdout)["stats"]
    return stats


def types_gate(runs: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="reviewbot-bench-types-"))
    try:
        repo = _platform_pr(work)
        print(f"\n### Whole gate with every type checker ({ALL_TOOLS} + our rules), polyglot 3-file PR "
              f"on the reference platform, {runs} runs, caches warm\n")
        _stats(repo, ALL_TOOLS)  # warm mypy's cache, tsc's build info and Go's build cache
        print(TABLE_HEAD)
        whole = measure("whole gate, all tools", [str(BIN / "reviewbot"), "diff", "--base", "main", "--head", "pr",
                                                    "--tools", ALL_TOOLS, "-q", "--no-cache"], runs, cwd=repo)
        print(whole.row(whole.median))
        for tool in ("mypy", "tsc", "go-vet"):
            alone = measure(f"{tool} + our rules", [str(BIN / "reviewbot"), "diff", "--base", "main", "--head", "pr",
                                                     "--tools", tool, "-q", "--no-cache"], runs, cwd=repo)
            print(alone.row(whole.median))
        ratios: list[float] = []
        slowest_names: list[str] = []
        for _ in range(runs):
            stats = _stats(repo, ALL_TOOLS)
            analyzers = stats["analyzers"]
            assert isinstance(analyzers, dict)
            name, slowest = max(analyzers.items(), key=lambda kv: kv[1]["seconds"])
            seconds = stats["seconds"]
            assert isinstance(seconds, float | int)
            ratios.append(seconds / max(slowest["seconds"], 1e-9))
            slowest_names.append(f"{name} {slowest['seconds']:.2f} s")
        print("\nwhole gate (`stats.seconds`) vs its slowest analyzer, per run: "
              + ", ".join(f"{r:.2f}× ({n})" for r, n in zip(ratios, slowest_names, strict=True))
              + f"; median {statistics.median(ratios):.2f}×\n")
    finally:
        shutil.rmtree(work, ignore_errors=True)
