"""Blocking precision of the migration gate on real SQL, judged by hand: the shared judgements plus ours.

`python -m bench.sql_score CORPUS FINDINGS.json` scores one `reviewbot audit --format json` run made in the
corpus root. A finding is blocking when its severity is error; it matches a judgement on the same path, the
same rule family (RB4xx with RB4xx) and a line within 3, as the shared scorer does; a TRUE match wins.
"""

from __future__ import annotations

import csv
import json
import os
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED_JUDGEMENTS = Path(os.environ.get("REVIEWBOT_JUDGEMENTS", REPO.parent / "shared" / "realcode" / "judgements.tsv"))
OUR_JUDGEMENTS = REPO / "bench" / "judgements" / "sql.tsv"
LINE_SLACK = 3  # the shared scorer's tolerance


@dataclass(frozen=True)
class Judgement:
    corpus: str
    path: str
    line: int
    rule: str
    verdict: str
    reason: str


@dataclass
class Score:
    blocking: int = 0
    true: int = 0
    false: int = 0
    unjudged: list[str] = field(default_factory=list)
    false_by_rule: Counter[str] = field(default_factory=Counter)

    @property
    def precision(self) -> float | None:
        judged = self.true + self.false
        return self.true / judged if judged else None

    def line(self, name: str) -> str:
        precision = f"{self.precision:.3f}" if self.precision is not None else "—"
        return (f"{name}: blocking {self.blocking} (true {self.true}, false {self.false}, unjudged "
                f"{len(self.unjudged)}); precision over judged {precision}")


def load_judgements(corpus: str, files: tuple[Path, ...] = (SHARED_JUDGEMENTS, OUR_JUDGEMENTS)) -> list[Judgement]:
    out: list[Judgement] = []
    for path in files:
        if not path.is_file():
            continue
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                if row.get("lang") == "sql" and row.get("corpus") == corpus and row.get("line", "").isdigit():
                    out.append(Judgement(corpus, row["path"], int(row["line"]), row["rule"], row["verdict"],
                                         row.get("reason", "")))
    return out


def family(rule: str) -> str:
    match = re.match(r"RB(\d)", rule)
    return match.group(1) if match else rule


def matches(path: str, rule: str, line: int, judgement: Judgement) -> bool:
    same_path = path == judgement.path or path.endswith("/" + judgement.path)
    return same_path and family(rule) == family(judgement.rule) and abs(line - judgement.line) <= LINE_SLACK


def score(findings: list[dict[str, object]], judgements: list[Judgement]) -> Score:
    """Blocking reviewbot findings (severity error) against TRUE/FALSE judgements."""
    result = Score()
    for finding in findings:
        rule = str(finding.get("rule", ""))
        if finding.get("severity") != "error" or not rule.startswith("RB"):
            continue
        result.blocking += 1
        path, line = str(finding["path"]), int(str(finding["line"]))
        hits = [j for j in judgements if j.verdict in ("TRUE", "FALSE") and matches(path, rule, line, j)]
        if any(j.verdict == "TRUE" for j in hits):
            result.true += 1
        elif hits:
            result.false += 1
            result.false_by_rule[rule] += 1
        else:
            result.unjudged.append(f"{path}:{line} {rule} {str(finding.get('message', ''))[:110]}")
    return result


def main(argv: list[str]) -> None:
    corpus, findings_file = argv[:2]
    data = json.loads(Path(findings_file).read_text(encoding="utf-8"))
    result = score(list(data.get("findings", [])), load_judgements(corpus))
    print(result.line(f"sql/{corpus}"))
    for item in result.unjudged:
        print("  unjudged:", item)


if __name__ == "__main__":
    main(sys.argv[1:])
