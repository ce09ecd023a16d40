"""`python -m bench sql`: the migration gate vs squawk vs the bare pglast parse, on the same real SQL folders.

Folders: procrastinate's released migrations (a pinned wheel) and the shared real corpora
(`$REVIEWBOT_SQL_CORPORA`, default `/work/corpora/sql`: a drizzle-kit folder, and hand-written SQL next to a
drizzle journal). Precision is over findings judged by hand: `../shared/realcode/judgements.tsv` plus
`bench/judgements/sql.tsv`; unjudged blocking findings go to `bench/results/sql-<corpus>-unjudged.txt`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench.corpora import SQL_CORPUS, fetch
from bench.sql_inprocess import measure_folder
from bench.sql_inprocess import rows as inprocess_rows
from bench.sql_score import Judgement, load_judgements, score
from bench.timing import TABLE_HEAD, measure

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RESULTS = REPO / "bench" / "results"
SHARED_SQL = Path(os.environ.get("REVIEWBOT_SQL_CORPORA", "/work/corpora/sql"))
# squawk rules about style or session settings rather than a lock, rewrite or failure on a live table
SQUAWK_STYLE = frozenset({
    "prefer-robust-stmts", "require-statement-timeout", "require-lock-timeout", "prefer-bigint-over-int",
    "prefer-bigint-over-smallint", "prefer-identity", "prefer-text-field", "prefer-timestamptz",
    "require-enum-value-ordering", "ban-char-field", "prefer-big-int", "transaction-nesting",
})


@dataclass(frozen=True)
class SqlFolder:
    name: str  # the `corpus` column of the judgements
    root: Path  # judgement paths are relative to it
    targets: tuple[str, ...]  # what `reviewbot audit` is given, relative to root

    def files(self) -> list[Path]:
        out: list[Path] = []
        for target in self.targets:
            path = self.root / target
            out.extend(sorted(path.rglob("*.sql")) if path.is_dir() else [path])
        return out


def folders() -> list[SqlFolder]:
    found: list[SqlFolder] = []
    wheel = fetch(SQL_CORPUS)
    future = sorted((wheel / "procrastinate" / "sql" / "future_migrations").glob("*.sql"))
    found.append(SqlFolder("procrastinate", wheel, ("procrastinate/sql/migrations",
                                                    *(str(f.relative_to(wheel)) for f in future))))
    for name, target in (("dokploy", "apps/dokploy/drizzle"), ("midday", "packages/db/migrations")):
        if (SHARED_SQL / name / target).is_dir():
            found.append(SqlFolder(name, SHARED_SQL / name, (target,)))
        else:
            print(f"bench: {SHARED_SQL / name / target} not found; set REVIEWBOT_SQL_CORPORA (see shared/realcode)")
    return found


def reviewbot_json(folder: SqlFolder) -> dict[str, object]:
    out = subprocess.run([str(BIN / "reviewbot"), "audit", *folder.targets, "--tools", "none", "--format", "json", "-q"],
                         cwd=folder.root, capture_output=True, text=True, check=False)
    data: dict[str, object] = json.loads(out.stdout)
    return data


def squawk_json(folder: SqlFolder, files: list[Path]) -> list[dict[str, object]]:
    squawk = BIN / "squawk"
    if not squawk.exists():
        return []
    out = subprocess.run([str(squawk), "--reporter", "json", *[str(f.relative_to(folder.root)) for f in files]],
                         cwd=folder.root, capture_output=True, text=True, check=False)
    try:
        found = json.loads(out.stdout or "[]")
    except json.JSONDecodeError:
        return []
    return [f for f in found if isinstance(f, dict)]


def squawk_line(finding: dict[str, object]) -> int:
    return int(str(finding.get("line", 0))) + 1  # squawk counts lines from 0


def _near(path: str, line: int, judgement: Judgement) -> bool:
    return (path == judgement.path or path.endswith("/" + judgement.path)) and abs(line - judgement.line) <= 3


def compare(folder: SqlFolder, runs: int, speed: list[str]) -> str:
    files = folder.files()
    rel = [str(f.relative_to(folder.root)) for f in files]
    print(f"\n#### {folder.name}: {len(files)} SQL files ({', '.join(folder.targets[:1])}), {runs} runs\n")
    print(TABLE_HEAD)
    floor = measure("bare pglast parse (a process)", [sys.executable, "-m", "bench.sql_floor", *[str(f) for f in files]],
                    runs, cwd=REPO)
    print(floor.row(floor.median))
    ours = measure("reviewbot audit (migrations gate)", [str(BIN / "reviewbot"), "audit", *folder.targets, "--tools", "none", "-q", "--no-cache"],
                   runs, cwd=folder.root)
    print(ours.row(floor.median))
    if (BIN / "squawk").exists():
        theirs = measure("squawk-cli", [str(BIN / "squawk"), "--reporter", "json", *rel], runs, cwd=folder.root, ok_codes=(0, 1))
        print(theirs.row(floor.median))
    # Issue #18's goal (≤ 1.3×) is about the pass itself: the same files in one process, imports warmed.
    inprocess = measure_folder(folder.root, folder.targets, files, max(runs, 5))
    print("\n".join(inprocess_rows(inprocess)))
    speed.append(f"| {folder.name} | {len(files)} | {inprocess.ratio:.2f}× | {ours.median / floor.median:.2f}× |")
    data = reviewbot_json(folder)
    findings = [f for f in data["findings"] if isinstance(f, dict)] if isinstance(data["findings"], list) else []
    judgements = load_judgements(folder.name)
    result = score(findings, judgements)
    squawk = squawk_json(folder, files)
    by_rule = Counter(f"{f['rule']}:{f['severity'][0]}" for f in findings)
    print(f"\nreviewbot findings: {len(findings)}: {', '.join(f'{k} {v}' for k, v in sorted(by_rule.items()))}")
    print(result.line("reviewbot blocking"))
    if result.false_by_rule:
        print(f"  false by rule: {dict(result.false_by_rule)}")
    print(f"squawk findings: {len(squawk)}: "
          f"{', '.join(f'{k} {v}' for k, v in Counter(str(f.get('rule_name')) for f in squawk).most_common())}")
    squawk_judged = [(f, [j for j in judgements if j.rule == f.get("rule_name") and _near(str(f["file"]), squawk_line(f), j)])
                     for f in squawk]
    verdicts = [next((j.verdict for j in hits), "") for _, hits in squawk_judged]
    true_s, false_s = verdicts.count("TRUE"), verdicts.count("FALSE")
    if true_s + false_s:
        print(f"squawk findings judged: true {true_s}, false {false_s}")
    hazards = [j for j in judgements if j.verdict == "TRUE" and j.rule.startswith("RB")]
    ours_found = sum(1 for j in hazards if any(_near(str(f["path"]), int(str(f["line"])), j) for f in findings))
    safety = [f for f in squawk if f.get("rule_name") not in SQUAWK_STYLE]
    theirs_found = sum(1 for j in hazards if any(_near(str(f["file"]), squawk_line(f), j) for f in safety))
    print(f"hazards judged TRUE: {len(hazards)}; reported by reviewbot {ours_found}, by a squawk safety rule {theirs_found}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"sql-{folder.name}-unjudged.txt").write_text("".join(u + "\n" for u in result.unjudged), encoding="utf-8")
    precision = f"{result.precision:.3f}" if result.precision is not None else "—"
    return (f"| {folder.name} | {len(files)} | {result.blocking} | {result.true} | {result.false} | {len(result.unjudged)} | "
            f"{precision} | {ours_found}/{len(hazards)} | {theirs_found}/{len(hazards)} | {len(squawk)} |")


def main(runs: int) -> None:
    print("\n### SQL migrations on real folders: reviewbot vs squawk vs the bare pglast parse")
    speed: list[str] = []
    rows = [compare(folder, runs, speed) for folder in folders()]
    print("\n| folder | files | reviewbot blocking | true | false | unjudged | precision | judged hazards: reviewbot |"
          " squawk safety rules | squawk findings |\n|---|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    print("\n| folder | files | migration gate ÷ bare pglast parse, in-process CPU (goal ≤ 1.3×) | whole process ÷ "
          "parse process, wall |\n|---|---|---|---|")
    print("\n".join(speed))
