"""`python -m bench [speed|sql|gate|types|noise|scenarios|tsgo|trace|realcode|linearity|fuzz|all]`: speed and noise, side by side, in one run.

`realcode` (not part of `all`) scores the real corpora against hand judgements; `python -m bench realcode -h`.
`linearity` (not part of `all`) checks that the rules' work grows with a file's size; `python -m bench linearity -h`.
`fuzz` (not part of `all`) runs the fuzz suite with thousands of random inputs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from bench.corpora import CACHE, CORPORA, count_lines, fetch, python_files
from bench.timing import TABLE_HEAD, Measure, measure

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RESULTS = REPO / "bench" / "results"
PAYMENT_RUFF_CODES = "E722,S110,S112,BLE001,B012,RUF032"


def reviewbot(*args: str) -> list[str]:
    return [str(BIN / "reviewbot"), *args]


def speed(runs: int, corpus_names: list[str], goals_only: bool = False) -> None:
    """Issue #18's table, side by side per corpus: the parse floor, our rules cold (no cache), ruff, semgrep,
    and the warm-cache re-audit of the unchanged corpus. `goals_only` leaves out the rows no goal reads
    (the two position variants and Fixit: about two thirds of the time)."""
    warm_rows: list[str] = []
    work_dir = Path(tempfile.mkdtemp(prefix="reviewbot-speed-"))
    for corpus_name in corpus_names:
        corpus = next(c for c in CORPORA if c.name == corpus_name)
        root = fetch(corpus)
        shutil.rmtree(root / ".reviewbot_cache", ignore_errors=True)
        files = python_files(root)
        print(f"\n### Python rule pass on {corpus.requirement}: {len(files)} files, {count_lines(files):,} lines, {runs} runs\n")
        print(TABLE_HEAD)
        floor = measure("(a) libcst parse floor", [sys.executable, "-m", "bench.parse_floor", str(root)], runs, cwd=REPO)
        print(floor.row(floor.median))
        # The floor parses the Python files only: (b) analyses the same files (Python rules and the
        # migration gate); the default audit also reads the corpus's TypeScript/JavaScript, shown apart.
        python_only = work_dir / f"{corpus.name}-python.toml"
        python_only.write_text('languages = ["python", "sql"]\n', encoding="utf-8")
        rows = [] if goals_only else [
            measure("(a) parse + PositionProvider", [sys.executable, "-m", "bench.parse_floor", str(root), "--positions"], runs, cwd=REPO),
            measure("(a) parse + node_positions (ours)", [sys.executable, "-m", "bench.parse_floor", str(root), "--node-positions"],
                    runs, cwd=REPO),
        ]
        rows += [
            measure("(b) reviewbot, Python files, 1 process, no cache",
                    reviewbot("audit", ".", "--tools", "none", "-j", "1", "-q", "--no-cache", "--config", str(python_only)),
                    runs, cwd=root),
            measure("(b) reviewbot, Python files, 2 processes, no cache",
                    reviewbot("audit", ".", "--tools", "none", "-j", "2", "-q", "--no-cache", "--config", str(python_only)),
                    runs, cwd=root),
            measure("(b) reviewbot audit, every file (TS/JS too), 2 processes, no cache",
                    reviewbot("audit", ".", "--tools", "none", "-j", "2", "-q", "--no-cache"), runs, cwd=root),
            measure("(c) ruff, payment codes", [str(BIN / "ruff"), "check", "--isolated", "--no-cache", "--select", PAYMENT_RUFF_CODES, "--quiet", "."],
                    runs, cwd=root),
        ]
        semgrep = os.environ.get("REVIEWBOT_SEMGREP") or shutil.which("semgrep")
        if semgrep:
            rows.append(measure("(d) semgrep, equivalent patterns",
                                [semgrep, "scan", "--config", str(REPO / "bench" / "semgrep_python.yaml"), "--metrics=off",
                                 "--disable-version-check", "--quiet", "--jobs", "2", "."], min(runs, 3), cwd=root))
        # Fixit pins click<8.2, so it lives in its own environment (see README, Performance).
        fixit = Path(os.environ.get("REVIEWBOT_FIXIT", CACHE / "fixit-venv" / "bin" / "fixit"))
        if fixit.exists() and not goals_only:
            rows.append(measure("(a) Fixit, default rules", [str(fixit), "lint", "."], 1, cwd=root, ok_codes=range(256), note="1 run"))
        warm = warm_audit(root, runs)
        rows.append(warm)
        for row in rows:
            print(row.row(floor.median))
        warm_rows.append(f"| {corpus.requirement} | {len(files)} | {warm.median:.2f} | {min(warm.seconds):.2f}–{max(warm.seconds):.2f} |")
    shutil.rmtree(work_dir, ignore_errors=True)
    print("\n### Warm-cache re-audit of an unchanged corpus (whole process, every analyzer; goal under 1 s)\n")
    print("| corpus | Python files | median s | min–max s |\n|---|---|---|---|")
    print("\n".join(warm_rows))


def warm_audit(root: Path, runs: int) -> Measure:
    """`reviewbot audit .` again on an unchanged tree whose results cache one run has filled."""
    command = reviewbot("audit", ".", "--tools", "none", "-q")
    subprocess.run(command, cwd=root, capture_output=True, check=False)  # fills .reviewbot_cache
    return measure("(e) warm cache: re-audit, unchanged", command, runs, cwd=root)


def _git(cwd: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "b@x", "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "b@x"}
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def _synthetic_pr(repo: Path, files: list[Path]) -> None:
    """Append a small payment function to each file and commit it on a branch."""
    _git(repo, "checkout", "-q", "-b", "pr")
    for index, path in enumerate(files):
        with path.open("a", encoding="utf-8") as handle:
            handle.write(
                f"\n\ndef bench_refund_{index}(amount_cents: int) -> int:\n"
                f"    half = amount_cents // 2\n    return half\n"
            )
    _git(repo, "commit", "-qam", "pr")


def gate(runs: int) -> None:
    big = fetch(CORPORA[0])
    work = Path(tempfile.mkdtemp(prefix="reviewbot-bench-"))
    large, small = work / "large", work / "small"
    shutil.copytree(big, large)
    all_files = [p for p in python_files(large) if "/migrations/" not in p.as_posix()]
    chosen = [p.relative_to(large) for p in all_files[:: max(1, len(all_files) // 20)][:20]]
    small.mkdir()
    for rel in chosen + [p.relative_to(large) for p in all_files[-30:]]:
        (small / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(large / rel, small / rel)
    results = {}
    print(f"\n### Whole gate (ruff + mypy + our rules) on a 20-file PR, {runs} runs, mypy cache warm\n")
    print(TABLE_HEAD)
    for name, repo in (("50-file repository", small), (f"{CORPORA[0].name} ({len(all_files)} files)", large)):
        _git(repo, "init", "-q", "-b", "main")
        _git(repo, "add", "-A")
        _git(repo, "commit", "-qm", "base")
        _synthetic_pr(repo, [repo / rel for rel in chosen])
        cmd = reviewbot("diff", "--base", "main", "--head", "pr", "--tools", "ruff,mypy", "-q", "--no-cache")
        subprocess.run(cmd, cwd=repo, capture_output=True)  # warm the mypy cache
        results[name] = measure(f"(f) {name}", cmd, runs, cwd=repo)
    small_m, large_m = results.values()
    print(small_m.row(small_m.median))
    print(large_m.row(small_m.median))
    # Issue #5: the whole gate against its slowest analyzer (all analyzers run concurrently).
    out = subprocess.run(reviewbot("diff", "--base", "main", "--head", "pr", "--tools", "ruff,mypy", "-q", "--format", "json", "--no-cache"),
                         cwd=large, capture_output=True, text=True)
    stats = json.loads(out.stdout)["stats"]
    slowest = max(stats["analyzers"].items(), key=lambda kv: kv[1]["seconds"])
    print(f"\nwhole gate {stats['seconds']:.2f} s vs its slowest analyzer ({slowest[0]}) {slowest[1]['seconds']:.2f} s: "
          f"{stats['seconds'] / max(slowest[1]['seconds'], 1e-9):.2f}×\n")
    # Issue #5: our libcst rules vs semgrep with equivalent Python patterns, on the same 20 changed files.
    print(TABLE_HEAD)
    ours = measure("our rules on the 20-file change", reviewbot("diff", "--base", "main", "--head", "pr", "--tools", "none", "-q", "--no-cache"),
                   runs, cwd=large)
    print(ours.row(ours.median))
    semgrep = os.environ.get("REVIEWBOT_SEMGREP") or shutil.which("semgrep")
    if semgrep:
        theirs = measure("semgrep, equivalent patterns, same 20 files",
                         [semgrep, "scan", "--config", str(REPO / "bench" / "semgrep_python.yaml"), "--metrics=off",
                          "--disable-version-check", "--quiet", *[str(r) for r in chosen]], runs, cwd=large)
        print(theirs.row(ours.median))
    # (g) the pre-commit path: one staged file, our rules only; and --version
    repo = small
    target = repo / chosen[0]
    target.write_text(target.read_text(encoding="utf-8") + "\nfee_minor = 1\n", encoding="utf-8")
    _git(repo, "add", str(target))
    print(measure("(g) diff --staged, one file, --tools none", reviewbot("diff", "--staged", "--tools", "none", "-q", "--no-cache"), runs, cwd=repo).row())
    print(measure("(g) reviewbot --version", reviewbot("--version"), runs, cwd=repo).row())
    shutil.rmtree(work, ignore_errors=True)


def noise() -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    errors_file = RESULTS / "noise-errors.txt"
    lines_out: list[str] = []
    print("\n### Noise: findings per 10k lines, our own rules (`--tools none`)\n")
    families = ["money", "exceptions", "idempotency", "migrations", "concurrency", "security", "meta"]
    print("| corpus | files | lines | " + " | ".join(families) + " |")
    print("|---|---|---|" + "---|" * len(families))
    for corpus in CORPORA:
        root = fetch(corpus)
        files = python_files(root)
        lines = count_lines(files)
        out = subprocess.run(reviewbot("audit", ".", "--tools", "none", "--format", "json", "-q", "--fail-on", "never"),
                             cwd=root, capture_output=True, text=True)
        data = json.loads(out.stdout)
        by_family = Counter(f["family"] for f in data["findings"])
        cells = [f"{by_family[f] * 10000 / max(lines, 1):.2f} ({by_family[f]})" for f in families]
        print(f"| {corpus.requirement} | {len(files)} | {lines:,} | " + " | ".join(cells) + " |")
        for f in data["findings"]:
            if f["severity"] == "error":
                lines_out.append(f"{corpus.name}/{f['path']}:{f['line']}: {f['rule']} {f['message']}")
    errors_file.write_text("\n".join(lines_out) + "\n", encoding="utf-8")
    print(f"\nerror-severity findings for a person to judge: {errors_file} ({len(lines_out)})")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "what",
        choices=("speed", "sql", "gate", "types", "noise", "scenarios", "tsgo", "trace", "realcode", "linearity", "fuzz", "all"),
        nargs="?", default="all",
    )
    parser.add_argument("--scale", type=float, default=1.0, help="fuzz: multiply every class's number of inputs")
    parser.add_argument("--only", default=None, help="fuzz: one test module of tests/fuzz, e.g. configs")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--corpora", action="store_true",
                        help="trace: static vs traced verdicts on the real SQL corpora (dokploy, midday)")
    parser.add_argument("--corpus", action="append", choices=[c.name for c in CORPORA],
                        help="speed: a corpus (repeatable) [default: saleor, pretix, stripe]")
    parser.add_argument("--goals", action="store_true",
                        help="speed: only the rows issue #18's goals read (no position variants, no Fixit)")
    if sys.argv[1:2] == ["realcode"]:
        from bench.realcode import main as realcode_main

        realcode_main(sys.argv[2:])
        return
    if sys.argv[1:2] == ["linearity"]:
        from bench.linearity import main as linearity_main

        linearity_main(sys.argv[2:])
        return
    args = parser.parse_args()
    if args.what == "fuzz":
        from bench.fuzz import main as fuzz_main

        sys.exit(fuzz_main(args.scale, args.only))
    if args.what in ("speed", "all"):
        speed(args.runs, args.corpus or ["saleor", "pretix", "stripe"], goals_only=args.goals)
    if args.what in ("sql", "all"):
        from bench.sql import main as sql_main

        sql_main(args.runs)
    if args.what in ("gate", "types", "all"):
        from bench.types_gate import types_gate

        types_gate(args.runs)  # issue #17: every type checker at once, vs the slowest analyzer
    if args.what in ("gate", "all"):
        gate(args.runs)
    if args.what in ("noise", "all"):
        noise()
    if args.what in ("scenarios", "all"):
        from bench.scenarios import main as scenarios_main

        scenarios_main()
    if args.what in ("tsgo", "all"):
        from bench.tsgo import main as tsgo_main

        tsgo_main(args.runs)
    if args.what == "trace":
        from bench.trace import CORPORA_SQL, corpus_agreement, print_agreement
        from bench.trace import main as trace_main

        if args.corpora:
            for name in CORPORA_SQL:
                print_agreement(corpus_agreement(name))
        else:
            trace_main(min(args.runs, 3))


if __name__ == "__main__":
    main()
