"""The semgrep pack: its own ruleid/ok tests pass, and every rule documents itself for `explain`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from reviewbot.analyzers.tools.pack import load_pack, pack_dir, pack_rules
from reviewbot.analyzers.tools.semgrep import semgrep_test_argv
from reviewbot.core.rules import Family

REPO_ROOT = Path(__file__).resolve().parents[3]
PACK_SOURCE = REPO_ROOT / "rules"
CODE_RANGES = {
    Family.MONEY: range(110, 130),
    Family.EXCEPTIONS: range(210, 230),
    Family.IDEMPOTENCY: range(310, 330),
    Family.CONCURRENCY: range(510, 530),
}


def test_semgrep_test_passes_on_every_rule_of_the_pack(semgrep_command):
    done = subprocess.run(
        semgrep_test_argv([semgrep_command], PACK_SOURCE), capture_output=True, text=True, timeout=600
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "All tests passed" in output
    assert "did not pass" not in output


def test_every_pack_rule_has_a_same_stem_test_file_with_both_annotations():
    for yaml_path in sorted(PACK_SOURCE.rglob("*.yaml")):
        tests = [p for p in yaml_path.parent.glob(yaml_path.stem + ".*") if p.suffix in (".ts", ".go", ".py")]
        assert tests, f"{yaml_path} has no test file"
        text = tests[0].read_text(encoding="utf-8")
        assert f"ruleid: {yaml_path.stem}" in text and f"ok: {yaml_path.stem}" in text, tests[0]


def test_pack_rules_appear_as_documented_rules_with_codes_in_their_family_range():
    rules = pack_rules()
    assert len(rules) >= 16
    assert len({r.code for r in rules}) == len(rules)
    for rule in rules:
        assert int(rule.code[2:]) in CODE_RANGES[rule.family], rule.code
        assert rule.tool == "semgrep" and rule.language in ("typescript", "go")
        assert rule.summary and rule.rationale and rule.help
        assert rule.bad_examples and rule.good_examples
        assert all(ref.startswith("https://") for ref in rule.references)


def test_rule_ids_match_their_file_names_and_the_pack_directory_is_found():
    assert pack_dir().is_dir()
    for rule in load_pack():
        assert rule.path.stem == rule.rule_id
        assert rule.path.parent.name == rule.info.family.value


def test_documented_bad_examples_fire_and_good_examples_stay_silent(semgrep_command, tmp_path):
    expected: dict[str, str | None] = {}
    for rule in load_pack():
        for kind, example in (("bad", rule.info.bad_examples[0]), ("good", rule.info.good_examples[0])):
            name = f"{rule.rule_id}.{kind}{Path(example.path).suffix}"
            body = example.code
            if name.endswith(".go"):
                # Go examples are declarations or statements; statements need a function around them.
                is_decl = body.startswith(("type ", "func ", "var "))
                body = "package payments\n\n" + (body if is_decl else "func example() {\n" + body + "}\n")
            (tmp_path / name).write_text(body, encoding="utf-8")
            expected[name] = rule.rule_id if kind == "bad" else None
    done = subprocess.run(
        [semgrep_command, "scan", "--config", str(pack_dir()), "--json", "--metrics=off",
         "--disable-version-check", "--quiet", *sorted(expected)],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )
    report = json.loads(done.stdout)
    fired: dict[str, set[str]] = {}
    for result in report["results"]:
        fired.setdefault(result["path"], set()).add(result["check_id"].rsplit(".", 1)[-1])
    for name, rule_id in expected.items():
        if rule_id is None:
            assert not fired.get(name), f"{name} fired {fired.get(name)}"
        else:
            assert rule_id in fired.get(name, set()), f"{name} did not fire {rule_id}"
