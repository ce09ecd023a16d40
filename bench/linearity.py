"""`python -m bench linearity`: does a rule's cost grow with the size of a file, or with its shape?

A real file is checked as it is, and repeated 2× and 4× (the same code again below itself: more functions,
more classes, more same-named methods). For the whole rule pass the CPU time is compared with the bare libcst
parse of the same text (goal, issue #18: no file above 2× its parse); for each rule the *work* is counted —
Python calls made in reviewbot's own code while the rule runs on the file — which, unlike seconds, does not
depend on the machine or its load. A linear rule does 2× and 4× the work on the 2× and 4× file.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

import libcst as cst

from reviewbot.analyzers.python.engine import analyze_source
from reviewbot.analyzers.python.rule import PythonRule
from reviewbot.analyzers.python.rules import RULES
from reviewbot.config import Config

PACKAGE = str(Path(__import__("reviewbot").__file__).resolve().parent)
# The known worst case of issue #18: a 3.2k-line Django view module of pretix.
DEFAULT_FILE = Path("/work/corpora/pretix/src/pretix/control/views/orders.py")
# A rule whose work on the 4× file exceeds 4 × this is reported as growing faster than the file.
SLACK = 1.15


def repeated(source: bytes, times: int) -> bytes:
    """The file's text `times` times over, one copy below the other."""
    return b"\n\n".join([source.rstrip(b"\n")] * times) + b"\n"


def rule_steps(source: bytes, rule_types: Sequence[type[PythonRule]], path: str = "app/module.py",
               config: Config | None = None) -> int:
    """Python calls made in reviewbot's own code while `rule_types` run on `source` (the parse excluded)."""
    config = config or Config(test_policy="strict")
    module = cst.parse_module(source)  # warm libcst's lazy imports outside the count
    del module
    count = 0

    def profile(frame: FrameType, event: str, arg: object) -> None:
        nonlocal count
        if event == "call" and frame.f_code.co_filename.startswith(PACKAGE):
            count += 1

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        analyze_source(path, source, config, rule_types=tuple(rule_types))
    finally:
        sys.setprofile(previous)
    return count


def growth(source: bytes, rule_types: Sequence[type[PythonRule]], times: int = 4, path: str = "app/module.py") -> float:
    """Work on the file repeated `times` times over, divided by the work on the file once."""
    once = rule_steps(source, rule_types, path)
    return rule_steps(repeated(source, times), rule_types, path) / max(once, 1)


def _seconds(action: object, runs: int) -> float:
    """Median CPU seconds of this process: unlike wall time, not inflated by other jobs on the machine."""
    assert callable(action)
    samples = []
    for _ in range(runs):
        started = time.process_time()
        action()
        samples.append(time.process_time() - started)
    return statistics.median(samples)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench linearity", description=__doc__)
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT_FILE, help="a real Python file")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--per-rule", action="store_true", help="count each rule's work apart (slower)")
    parser.add_argument("--rules", default="", help="only rules whose code starts with one of these (comma-separated)")
    args = parser.parse_args(argv)
    if not args.file.is_file():
        raise SystemExit(f"bench linearity: {args.file} not found; hint: pass a Python file, e.g. pretix's {DEFAULT_FILE.name}")
    source = args.file.read_bytes()
    config = Config(test_policy="strict")
    prefixes = tuple(p for p in args.rules.split(",") if p)
    rules = [r for r in RULES if not prefixes or r.code.startswith(prefixes)]
    lines = source.count(b"\n")
    print(f"\n### Linearity: {args.file} ({lines:,} lines), as is and repeated 2× and 4×, median CPU s of {args.runs}\n")
    print("| copies | lines | parse s | parse + rules + positions s | ÷ parse | rules alone ÷ parse | time vs 1 copy |")
    print("|---|---|---|---|---|---|---|")
    first = 0.0
    for times in (1, 2, 4):
        text = repeated(source, times)
        parse = _seconds(lambda text=text: cst.parse_module(text), args.runs)
        whole = _seconds(lambda text=text: analyze_source("app/module.py", text, config, rule_types=tuple(rules)), args.runs)
        first = first or whole
        count = text.count(b"\n")
        print(f"| {times} | {count:,} | {parse:.2f} | {whole:.2f} | {whole / parse:.2f}× | "
              f"{(whole - parse) / parse:.2f}× | {whole / first:.2f}× |")
    groups: list[tuple[str, list[type[PythonRule]]]]
    if args.per_rule:
        groups = [(rule.code, [rule]) for rule in rules]
    else:
        families: dict[str, list[type[PythonRule]]] = {}
        for rule in rules:
            families.setdefault(f"{rule.family.value} ({rule.code[:3]}xx)", []).append(rule)
        groups = list(families.items())
    print("\n| rules | work, 1 copy | 2 copies ÷ 1 | 4 copies ÷ 1 | linear? |\n|---|---|---|---|---|")
    faster = []
    for label, group in groups:
        once = rule_steps(source, group, config=config)
        twice = rule_steps(repeated(source, 2), group, config=config) / max(once, 1)
        four = rule_steps(repeated(source, 4), group, config=config) / max(once, 1)
        ok = four <= 4 * SLACK
        if not ok:
            faster.append(label)
        print(f"| {label} | {once:,} | {twice:.2f} | {four:.2f} | {'yes' if ok else '**no**'} |")
    print(f"\nwork growing faster than the file: {', '.join(faster) or 'none'}")


if __name__ == "__main__":
    main()
