"""In-process CPU: the bare pglast parse of a folder's SQL files vs the migration gate on the same files.

Both run in this one process, imports and the first call warmed outside the timing, so neither Python's
start-up nor the CLI's imports count; the figure is CPU seconds (this process and any child it waited for,
such as git), the median of N runs taken alternately, so a neighbour's load moves both sides alike.
`python -m bench.sql_inprocess [--runs N] [--profile] ROOT TARGET…` prints one folder's row.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from pglast import parse_sql
from pglast.parser import ParseError

from reviewbot.analyzers.base import NullProgress
from reviewbot.analyzers.migrations.engine import MigrationAnalyzer
from reviewbot.config import load_config
from reviewbot.core.changes import ChangeSet
from reviewbot.sources.paths import collect_audit, project_root, with_named_sql

MIN_SAMPLE_SECONDS = 0.2


def cpu_seconds() -> float:
    """User + system CPU of this process and of the children it has waited for (such as git)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def bare_parse(files: Sequence[Path]) -> int:
    """Read and parse every file with pglast.parse_sql, as `bench.sql_floor` does: statements parsed."""
    statements = 0
    for path in files:
        try:
            statements += len(parse_sql(path.read_text(encoding="utf-8", errors="replace")))
        except ParseError:
            pass
    return statements


def audit_changes(root: Path, targets: Sequence[str]) -> tuple[ChangeSet, object]:
    """The change set and configuration `reviewbot audit TARGET… --no-cache` builds when run in `root`."""
    paths = [Path(t) for t in targets]
    here = Path.cwd()
    os.chdir(root)  # outside a repository the CLI takes its working directory as the root
    try:
        repo = project_root(paths)
        config = replace(load_config(repo), cache=False)
        changes = collect_audit(paths, repo, config)
        return changes, with_named_sql(config, paths, repo)
    finally:
        os.chdir(here)


@dataclass(frozen=True)
class Row:
    parse: tuple[float, ...]
    ours: tuple[float, ...]
    findings: int

    @property
    def ratio(self) -> float:
        return statistics.median(self.ours) / statistics.median(self.parse)


def _once(action: Callable[[], object], repeat: int) -> float:
    """CPU seconds of one call of `action`: the mean of `repeat` calls in a row."""
    started = cpu_seconds()
    for _ in range(repeat):
        action()
    return (cpu_seconds() - started) / repeat


def measure_folder(root: Path, targets: Sequence[str], files: Sequence[Path], runs: int) -> Row:
    """Median CPU seconds of the bare parse and of the migration gate, alternating, after one warm-up each."""
    changes, config = audit_changes(root, targets)
    analyzer = MigrationAnalyzer()

    def ours() -> int:
        return len(analyzer.analyze(changes, config, NullProgress()).findings)  # type: ignore[arg-type]

    findings = ours()  # warm: the rules' and readers' imports, the file cache
    # A small folder parses in milliseconds: repeat each side so that one sample is about MIN_SAMPLE_SECONDS.
    repeat = max(1, round(MIN_SAMPLE_SECONDS / max(_once(lambda: bare_parse(files), 1), 1e-4)))
    parse: list[float] = []
    gate: list[float] = []
    for _ in range(runs):
        parse.append(_once(lambda: bare_parse(files), repeat))
        gate.append(_once(ours, repeat))
    return Row(tuple(parse), tuple(gate), findings)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sql_inprocess", description=__doc__)
    parser.add_argument("root", type=Path)
    parser.add_argument("targets", nargs="+")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="cProfile one run of the gate instead")
    args = parser.parse_args(argv)
    files: list[Path] = []
    for target in args.targets:
        path = args.root / target
        files.extend(sorted(path.rglob("*.sql")) if path.is_dir() else [path])
    if args.profile:
        import cProfile
        import pstats

        changes, config = audit_changes(args.root, args.targets)
        MigrationAnalyzer().analyze(changes, config, NullProgress())  # type: ignore[arg-type]
        profile = cProfile.Profile()
        profile.enable()
        MigrationAnalyzer().analyze(changes, config, NullProgress())  # type: ignore[arg-type]
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(45)
        pstats.Stats(profile).sort_stats("tottime").print_stats(30)
        return
    row = measure_folder(args.root, args.targets, files, args.runs)
    print(f"{len(files)} files, {row.findings} findings: parse {statistics.median(row.parse):.3f} s, "
          f"gate {statistics.median(row.ours):.3f} s, {row.ratio:.2f}×")


if __name__ == "__main__":
    main()
