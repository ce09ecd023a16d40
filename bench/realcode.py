"""`python -m bench realcode`: audit the real corpora present and score them against hand judgements.

Each corpus under the corpora folder (default /work/corpora; `--corpora DIR` or REVIEWBOT_CORPORA) is audited
with `reviewbot audit . --tools none --format json` and scored with the shared `score.py`
(`../shared/realcode/score.py` from the repository) against the shared judgements plus our own
(`bench/judgements/*.tsv`, same columns), merged into one temporary TSV. Printed per corpus and per rule:
blocking findings, judged true/false, precision over judged, false blockers per 20k lines, judged-true
hazards still reported (any severity) and misses found; then the blocking findings nobody has judged yet.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SHARED = REPO.parent / "shared" / "realcode"
RESULTS = REPO / "bench" / "results"
OWN_JUDGEMENTS = REPO / "bench" / "judgements"
DEFAULT_CORPORA = Path(os.environ.get("REVIEWBOT_CORPORA", "/work/corpora"))
COLUMNS = ("lang", "corpus", "path", "line", "rule", "verdict", "reason")
# The file suffixes whose lines a corpus is measured in (score.py's --lines), per language folder.
SUFFIXES = {"python": (".py",), "ts": (".ts", ".tsx"), "go": (".go",), "sql": (".sql",)}
# Folders under the corpora root that are not corpora (downloads, the language folders themselves).
NOT_CORPORA = {"_dl", *SUFFIXES}


@dataclass(frozen=True)
class RealCorpus:
    lang: str
    name: str
    path: Path

    @property
    def key(self) -> str:
        return f"{self.lang}/{self.name}"


def discover(root: Path) -> list[RealCorpus]:
    """Python corpora sit at the root or under python/; the others under their language folder."""
    found: list[RealCorpus] = []
    if not root.is_dir():
        return found
    for child in sorted(root.iterdir()):
        if child.is_dir() and child.name not in NOT_CORPORA and not child.name.startswith("."):
            found.append(RealCorpus("python", child.name, child))
    for lang in SUFFIXES:
        folder = root / lang
        if folder.is_dir():
            found.extend(RealCorpus(lang, c.name, c) for c in sorted(folder.iterdir()) if c.is_dir())
    return found


def count_lines(corpus: RealCorpus) -> int:
    suffixes = SUFFIXES[corpus.lang]
    total = 0
    for path in corpus.path.rglob("*"):
        if path.suffix in suffixes and path.is_file():
            total += path.read_bytes().count(b"\n")
    return total


def read_judgements(paths: list[Path]) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    seen: set[tuple[str, ...]] = set()
    for path in paths:
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                if not row.get("lang") or row["lang"].startswith("#"):
                    continue
                missing = [c for c in COLUMNS if c not in row]
                if missing:
                    raise SystemExit(f"bench realcode: {path} lacks columns {missing}; expected {' '.join(COLUMNS)}")
                key = tuple(row[c] or "" for c in COLUMNS[:6])
                if key not in seen:
                    seen.add(key)
                    rows.append({c: (row[c] or "") for c in COLUMNS})
    return rows


def write_tsv(rows: list[dict[str, str]], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, delimiter="\t", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def audit(corpus: RealCorpus, out: Path, extra: list[str]) -> None:
    cmd = [str(BIN / "reviewbot"), "audit", ".", "--tools", "none", "--format", "json", "-q", "--no-cache",
           "--fail-on", "never", "-o", str(out), *extra]
    done = subprocess.run(cmd, cwd=corpus.path, capture_output=True, text=True)
    if done.returncode not in (0, 1) or not out.exists():
        raise SystemExit(f"bench realcode: audit of {corpus.key} failed ({done.returncode}): {done.stderr[-500:]}")


def score(judgements: Path, corpus: RealCorpus, findings: Path, lines: int, scorer: Path) -> dict[str, object]:
    cmd = [sys.executable, str(scorer), str(judgements), corpus.lang, corpus.name, str(findings), "--lines", str(lines), "--json"]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"bench realcode: score.py failed on {corpus.key}: {done.stderr[-500:]}")
    result: dict[str, object] = json.loads(done.stdout)
    return result


def _fmt(value: object) -> str:
    return "—" if value is None else str(value)


def _row(label: str, s: dict[str, object]) -> str:
    return (f"| {label} | {s['blocking']} | {s['true']} | {s['false']} | {s['unjudged']} | {_fmt(s['precision'])} | "
            f"{_fmt(s.get('false_per_20k'))} | {s['true_found']}/{s['true_total']} | {s['miss_found']}/{s['miss_total']} |")


HEAD = ("| {what} | blocking | true | false | unjudged | precision | false / 20k lines | judged-true kept | misses found |\n"
        "|---|---|---|---|---|---|---|---|---|")


def rule_sort_key(rule: str) -> tuple[int, str]:
    return (0 if re.match(r"RB\d{3}$", rule) else 1, rule)


def run(corpora: list[RealCorpus], judgement_files: list[Path], scorer: Path, extra: list[str], reuse: bool) -> None:
    rows = read_judgements(judgement_files)
    RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="reviewbot-realcode-") as tmp:
        work = Path(tmp)
        merged = work / "judgements.tsv"
        write_tsv(rows, merged)
        print(f"judgements: {len(rows)} rows from {', '.join(str(p) for p in judgement_files)}")
        unjudged: list[str] = []
        for corpus in corpora:
            findings_path = RESULTS / f"realcode-{corpus.lang}-{corpus.name}.json"
            if not (reuse and findings_path.exists()):
                audit(corpus, findings_path, extra)
            lines = count_lines(corpus)
            total = score(merged, corpus, findings_path, lines, scorer)
            print(f"\n### {corpus.key}: {lines:,} lines ({findings_path.relative_to(REPO)})\n")
            print(HEAD.format(what="rule"))
            print(_row("**all**", total))
            data = json.loads(findings_path.read_text(encoding="utf-8"))
            findings = [f for f in data.get("findings", []) if str(f.get("rule", "")).startswith("RB")]
            judged_here = [r for r in rows if r["lang"] == corpus.lang and r["corpus"] == corpus.name]
            rules = sorted({f["rule"] for f in findings} | {r["rule"] for r in judged_here if r["rule"].startswith("RB")},
                           key=rule_sort_key)
            for rule in rules:
                only = work / "findings.json"
                only.write_text(json.dumps({**data, "findings": [f for f in findings if f["rule"] == rule]}), encoding="utf-8")
                blocking = score(merged, corpus, only, lines, scorer)
                # judged-true and misses of this rule, found by any finding of its family (score.py's matching)
                own = work / "rule.tsv"
                write_tsv([r for r in rows if r["rule"] == rule], own)
                recall = score(own, corpus, findings_path, lines, scorer)
                merged_row = {**blocking, **{k: recall[k] for k in ("true_found", "true_total", "miss_found", "miss_total")}}
                if any(merged_row[k] for k in ("blocking", "true_total", "miss_total")):
                    print(_row(rule, merged_row))
            unjudged.extend(f"{corpus.key} {u}" for u in total["unjudged_list"])  # type: ignore[union-attr]
        if unjudged:
            print(f"\n### blocking findings not judged yet ({len(unjudged)})\n")
            for line in unjudged:
                print("  " + line)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench realcode", description=__doc__)
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA, help="folder holding the real corpora")
    parser.add_argument("--lang", action="append", choices=sorted(SUFFIXES), help="only these languages (repeatable)")
    parser.add_argument("--corpus", action="append", help="only these corpora, by name (repeatable)")
    parser.add_argument("--judgements", type=Path, default=SHARED / "judgements.tsv", help="the shared judgements")
    parser.add_argument("--score", type=Path, default=SHARED / "score.py", help="the shared scorer")
    parser.add_argument("--reuse", action="store_true", help="score the last audit's JSON in bench/results again")
    parser.add_argument("--select", help="passed to reviewbot audit --select")
    args = parser.parse_args(argv)
    corpora = [c for c in discover(args.corpora)
               if (not args.lang or c.lang in args.lang) and (not args.corpus or c.name in args.corpus)]
    if not corpora:
        raise SystemExit(f"bench realcode: no corpora under {args.corpora}; hint: --corpora DIR or REVIEWBOT_CORPORA")
    for required in (args.judgements, args.score):
        if not required.exists():
            raise SystemExit(f"bench realcode: {required} not found; hint: --judgements/--score")
    own = sorted(OWN_JUDGEMENTS.glob("*.tsv"))
    extra = ["--select", args.select] if args.select else []
    run(corpora, [args.judgements, *own], args.score, extra, args.reuse)


if __name__ == "__main__":
    main()
