"""In-process CPU: the bare pglast parse of a folder's SQL files vs the migration gate on the same files.

Everything runs in this one process with imports and the first call warmed outside the timing, so neither
Python's start-up nor the CLI's imports count (the whole-process rows of `python -m bench sql` show those).
Figures are CPU seconds (this process, and any child it waited for, such as git), the median of N samples
taken alternately — parse, gate, libpg_query's JSON, parse, gate, … — so a neighbour's load on a shared
machine moves every side alike. A small folder is parsed several times per sample (about 0.2 s each).

- bare parse: `pglast.parse_sql` of every file, read from disk (what `bench.sql_floor` does);
- gate: `MigrationAnalyzer.analyze` on the change set `reviewbot audit TARGET… --no-cache` builds in the
  folder: reading, runner detection, both parses of DO blocks, operations, the folder's history, every rule,
  the notes;
- JSON: libpg_query's parse to JSON and `json.loads`, the tree the gate reads (pglast's `parse_sql` builds
  a checked Python object per node instead): the part of the gate's time that is parsing.

`python -m bench.sql_inprocess [--runs N] [--profile] ROOT TARGET…` prints one folder's figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from pglast.parser import ParseError, parse_sql_json

from bench.sql_floor import parse_files
from reviewbot.analyzers.base import NullProgress
from reviewbot.analyzers.migrations.engine import MigrationAnalyzer
from reviewbot.config import Config, load_config
from reviewbot.core.changes import ChangeSet
from reviewbot.sources.paths import collect_audit, project_root, with_named_sql

MIN_SAMPLE_SECONDS = 0.2


def cpu_seconds() -> float:
    """User + system CPU of this process and of the children it has waited for (such as git)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def bare_parse(files: Sequence[Path]) -> int:
    """Read and parse every file with pglast.parse_sql (`bench.sql_floor`): statements parsed."""
    return parse_files(list(files))[2]


def json_parse(files: Sequence[Path]) -> int:
    """Read every file and load libpg_query's JSON parse tree of it: statements parsed."""
    statements = 0
    for path in files:
        try:
            statements += len(json.loads(parse_sql_json(path.read_text(encoding="utf-8", errors="replace")))["stmts"])
        except ParseError:
            pass
    return statements


def audit_changes(root: Path, targets: Sequence[str]) -> tuple[ChangeSet, Config]:
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
    """CPU seconds per sample of each side, in one process."""

    parse: tuple[float, ...]
    gate: tuple[float, ...]
    json: tuple[float, ...]
    findings: int
    repeat: int

    @property
    def ratio(self) -> float:
        return statistics.median(self.gate) / statistics.median(self.parse)


def _once(action: Callable[[], object], repeat: int) -> float:
    """CPU seconds of one call of `action`: the mean of `repeat` calls in a row."""
    started = cpu_seconds()
    for _ in range(repeat):
        action()
    return (cpu_seconds() - started) / repeat


def measure_folder(root: Path, targets: Sequence[str], files: Sequence[Path], runs: int) -> Row:
    """Median CPU seconds of the bare parse, the migration gate and the JSON parse, alternating."""
    changes, config = audit_changes(root, targets)
    analyzer = MigrationAnalyzer()

    def gate() -> int:
        return len(analyzer.analyze(changes, config, NullProgress()).findings)

    findings = gate()  # warm: the rules' and readers' imports, the file cache
    json_parse(files)
    repeat = max(1, round(MIN_SAMPLE_SECONDS / max(_once(lambda: bare_parse(files), 1), 1e-4)))
    parse: list[float] = []
    ours: list[float] = []
    loaded: list[float] = []
    for _ in range(runs):
        parse.append(_once(lambda: bare_parse(files), repeat))
        ours.append(_once(gate, repeat))
        loaded.append(_once(lambda: json_parse(files), repeat))
    return Row(tuple(parse), tuple(ours), tuple(loaded), findings, repeat)


def rows(row: Row) -> list[str]:
    """The three table rows (bench.timing.TABLE_HEAD's columns), ratios to the bare parse."""
    floor = statistics.median(row.parse)
    out = []
    for label, samples in (("in-process CPU: bare pglast.parse_sql", row.parse),
                           ("in-process CPU: migration gate (MigrationAnalyzer)", row.gate),
                           ("in-process CPU: libpg_query JSON + json.loads (the tree the gate reads)", row.json)):
        median = statistics.median(samples)
        out.append(f"| {label} | {median:.3f} | {min(samples):.3f}–{max(samples):.3f} | {median / floor:.2f}× | | "
                   f"median of {len(samples)}, ×{row.repeat} per sample |")
    return out


def _profile(root: Path, targets: Sequence[str]) -> None:
    import cProfile
    import pstats

    changes, config = audit_changes(root, targets)
    MigrationAnalyzer().analyze(changes, config, NullProgress())
    profile = cProfile.Profile()
    profile.enable()
    MigrationAnalyzer().analyze(changes, config, NullProgress())
    profile.disable()
    pstats.Stats(profile).sort_stats("cumulative").print_stats(45)
    pstats.Stats(profile).sort_stats("tottime").print_stats(30)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sql_inprocess", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("root", type=Path, help="the folder `reviewbot audit` runs in")
    parser.add_argument("targets", nargs="+", help="what `reviewbot audit` is given, relative to ROOT")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="cProfile one run of the gate instead")
    args = parser.parse_args(argv)
    if args.profile:
        _profile(args.root, args.targets)
        return
    files: list[Path] = []
    for target in args.targets:
        path = args.root / target
        files.extend(sorted(path.rglob("*.sql")) if path.is_dir() else [path])
    row = measure_folder(args.root, args.targets, files, args.runs)
    print(f"{len(files)} files, {row.findings} findings: gate ÷ bare parse {row.ratio:.2f}×")
    print("\n".join(rows(row)))


if __name__ == "__main__":
    main()
