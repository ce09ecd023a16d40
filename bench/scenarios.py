"""Per-family precision and recall of `reviewbot diff` over the fixtures/prs scenarios."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

from tests.e2e.scenario_runner import found_keys, prepare, run_diff, scenarios


def family_of(rule: str, families: dict[str, str]) -> str:
    if rule in families:
        return families[rule]
    if rule.startswith("RB"):
        return {"1": "money", "2": "exceptions", "3": "idempotency", "4": "migrations", "5": "concurrency", "7": "security", "9": "meta"}[rule[2]]
    return "types" if rule.islower() or "-" in rule else "lint"


def main() -> None:
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    families: dict[str, str] = {}
    all_scenarios = scenarios()
    for scenario in all_scenarios:
        with tempfile.TemporaryDirectory() as tmp:
            repo, base, head = prepare(scenario, Path(tmp))
            result = run_diff(repo, base, head)
        for f in result["findings"]:  # type: ignore[union-attr]
            families[f["rule"]] = f["family"]
        got, want = found_keys(result), scenario.expected()
        for key in got & want:
            tp[family_of(key[0], families)] += 1
        for key in got - want:
            fp[family_of(key[0], families)] += 1
            print(f"  FP {scenario.name}: {key}")
        for key in want - got:
            fn[family_of(key[0], families)] += 1
            print(f"  FN {scenario.name}: {key}")
    print(f"\n### Scenarios: {len(all_scenarios)} pull requests against fixtures/platform\n")
    print("| family | expected | found | precision | recall |\n|---|---|---|---|---|")
    for family in sorted(set(tp) | set(fp) | set(fn)):
        found = tp[family] + fp[family]
        expected = tp[family] + fn[family]
        precision = tp[family] / found if found else 1.0
        recall = tp[family] / expected if expected else 1.0
        print(f"| {family} | {expected} | {found} | {precision:.2f} | {recall:.2f} |")


if __name__ == "__main__":
    main()
