"""`python -m bench tsgo`: the in-process TypeScript/Go analyzer vs semgrep with the retired pack, vs the
tree-sitter parse floor, and its cost per MB across corpora of different sizes.

Corpora: the real TypeScript and Go code under $REVIEWBOT_REALCODE (default /work/corpora): ts/medusa,
ts/midday, go/flexprice, go/paygate (see ../shared/realcode/README.md to fetch them).
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from bench.timing import measure

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
REALCODE = Path(os.environ.get("REVIEWBOT_REALCODE", "/work/corpora"))
CORPORA = ("ts/medusa", "ts/midday", "go/paygate", "go/flexprice")
PACK = REPO / "bench" / "semgrep_pack"
WORKERS = 2


def _files(root: Path) -> list[str]:
    """The TypeScript and Go files `reviewbot audit` collects under root (same excludes)."""
    from reviewbot.config import Config
    from reviewbot.sources.paths import collect_audit

    changes = collect_audit([root], root, Config(root=str(root)))
    suffixes = (".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs", ".go")
    return [f.path for f in changes.files if f.path.endswith(suffixes)]


def _parse_one(job: tuple[str, str]) -> int:
    from reviewbot.analyzers.treesitter import grammars

    path, grammar = job
    with open(path, "rb") as handle:
        return grammars.parse(grammar, handle.read()).root_node.child_count


def _grammar(path: str) -> str:
    if path.endswith(".go"):
        return "go"
    return "typescript" if path.endswith((".ts", ".mts", ".cts")) else "tsx"


def parse_floor(root: Path, files: list[str], workers: int) -> float:
    """Seconds to read and parse the files with tree-sitter alone, with the analyzer's worker strategy."""
    from reviewbot.analyzers.treesitter.pool import MIN_BYTES_FOR_POOL

    jobs = [(str(root / f), _grammar(f)) for f in files]
    size = sum(os.path.getsize(p) for p, _ in jobs)
    started = time.perf_counter()
    if workers > 1 and size >= MIN_BYTES_FOR_POOL:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            list(pool.map(_parse_one, jobs, chunksize=max(1, len(jobs) // (workers * 8))))
    else:
        for job in jobs:
            _parse_one(job)
    return time.perf_counter() - started


def analyzer(root: Path, files: list[str], workers: int) -> float:
    """Seconds for our TypeScript and Go analyzers on the files, in process (what `audit` runs)."""
    from reviewbot.analyzers.base import NullProgress
    from reviewbot.analyzers.go.engine import GoAnalyzer
    from reviewbot.analyzers.typescript.engine import TypeScriptAnalyzer
    from reviewbot.config import Config
    from reviewbot.core.changes import ChangeSet, FileChange

    changes = ChangeSet(root=str(root), files=tuple(FileChange(f) for f in files))
    config = Config(root=str(root), jobs=workers, cache=False)  # measure the analysis, not the results cache
    started = time.perf_counter()
    TypeScriptAnalyzer().analyze(changes, config, NullProgress())
    GoAnalyzer().analyze(changes, config, NullProgress())
    return time.perf_counter() - started


def _median(fn, runs: int) -> float:  # type: ignore[no-untyped-def]
    return statistics.median(fn() for _ in range(runs))


def _cpu(fn, runs: int) -> float:  # type: ignore[no-untyped-def]
    """The least CPU seconds of this process over `runs` calls: on a shared machine wall time measures the
    neighbours, CPU time of one process measures the work."""
    spent = []
    for _ in range(runs):
        started = time.process_time()
        fn()
        spent.append(time.process_time() - started)
    return min(spent)


def main(runs: int) -> None:
    present = [(name, REALCODE / name) for name in CORPORA if (REALCODE / name).is_dir()]
    if not present:
        print(f"bench tsgo: no corpora under {REALCODE} (set REVIEWBOT_REALCODE); see ../shared/realcode/README.md")
        return
    semgrep = os.environ.get("REVIEWBOT_SEMGREP") or shutil.which("semgrep")
    # As `audit` runs them: workers forked from a server that has the languages' engines and rules (the CLI
    # starts it at its first instant, pipeline.run keeps it); without it each worker would import them.
    from reviewbot.analyzers.treesitter.languages import TREESITTER_LANGUAGES
    from reviewbot.analyzers.workers import start_fork_server

    start_fork_server([language.engine for language in TREESITTER_LANGUAGES])
    config_dir = Path(tempfile.mkdtemp(prefix="reviewbot-tsgo-"))
    config = config_dir / "reviewbot.toml"
    config.write_text('languages = ["typescript", "go"]\n', encoding="utf-8")
    print(f"\n### TypeScript and Go: our analyzer vs the parse floor and semgrep with the retired pack ({WORKERS} workers)\n")
    print("| corpus | files | MB | parse floor s | ours in-process s | ours / floor | ours / floor, CPU, 1 process | "
          "ours, CLI s | semgrep pack, CLI s | semgrep / ours | ours s per MB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, root in present:
        files = _files(root)
        megabytes = sum((root / f).stat().st_size for f in files) / 1e6
        floor = _median(lambda: parse_floor(root, files, WORKERS), runs)  # noqa: B023
        ours = _median(lambda: analyzer(root, files, WORKERS), runs)  # noqa: B023
        cpu = _cpu(lambda: analyzer(root, files, 1), runs) / _cpu(lambda: parse_floor(root, files, 1), runs)  # noqa: B023
        command = [str(BIN / "reviewbot"), "audit", *files, "--tools", "none", "-q", "--no-cache", "-j", str(WORKERS),
                   "--config", str(config), "--fail-on", "never"]
        cli = measure("ours", command, runs, cwd=root).median  # bytecode kept, one warm-up run (bench.timing)
        theirs = "—"
        ratio = "—"
        if semgrep:
            pack = measure("semgrep", [semgrep, "scan", "--config", str(PACK), "--metrics=off", "--disable-version-check",
                                       "--oss-only", "--quiet", "--no-git-ignore", "--jobs", str(WORKERS), *files],
                           1, cwd=root, ok_codes=range(0, 3)).median
            theirs = f"{pack:.2f}"
            ratio = f"{pack / cli:.1f}×"
        print(f"| {name} | {len(files)} | {megabytes:.1f} | {floor:.2f} | {ours:.2f} | {ours / floor:.2f}× | {cpu:.2f}× | {cli:.2f} | "
              f"{theirs} | {ratio} | {ours / megabytes:.3f} |")
    # Linear in size: the largest corpus of each language, a quarter, a half and all of its files.
    print("\n| corpus share | files | MB | ours in-process s | s per MB |\n|---|---|---|---|---|")
    for name, root in present:
        if name not in ("ts/midday", "go/flexprice"):
            continue
        files = _files(root)
        for share in (4, 2, 1):
            part = files[: len(files) // share]
            megabytes = sum((root / f).stat().st_size for f in part) / 1e6
            seconds = _median(lambda: analyzer(root, part, WORKERS), runs)  # noqa: B023
            print(f"| {name} 1/{share} | {len(part)} | {megabytes:.1f} | {seconds:.2f} | {seconds / megabytes:.3f} |")
    shutil.rmtree(config_dir, ignore_errors=True)
