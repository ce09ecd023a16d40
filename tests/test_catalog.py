"""Every rule documents itself: fields, examples, names, codes in range; the README table is current."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from reviewbot.core.rules import FAMILY_DIGIT, Family
from reviewbot.explain import all_rules, render_rules_table

REPO = Path(__file__).resolve().parents[1]
RULES = all_rules()
FORBIDDEN_PREFIXES = ("no-", "use-", "prefer-", "avoid-", "require-", "ban-", "do-not-")


def test_codes_and_names_are_unique():
    codes = [r.code for r in RULES]
    names = [r.name for r in RULES]
    assert len(codes) == len(set(codes))
    assert len(names) == len(set(names))


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_rule_documents_itself(rule):
    assert rule.summary.strip() and rule.rationale.strip() and rule.help.strip()
    assert rule.bad_examples and rule.good_examples
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name), rule.name
    assert not rule.name.startswith(FORBIDDEN_PREFIXES), rule.name
    assert all(ref.startswith("https://") for ref in rule.references)
    if rule.code.startswith("RB"):
        assert int(rule.code[2]) == FAMILY_DIGIT[Family(rule.family)] or rule.family is Family.MONEY and rule.code.startswith("RB1")


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_every_documented_confidence_level_has_a_bad_example_and_vice_versa(rule):
    documented = {ev.level for ev in rule.evidence}
    exemplified = {bad.confidence for bad in rule.bad_examples if bad.confidence is not None}
    assert len(documented) == len(rule.evidence), f"{rule.code} documents a confidence level twice"
    assert exemplified <= documented, f"{rule.code}: Bad examples at {exemplified - documented} are not documented"
    assert documented <= exemplified, f"{rule.code}: no Bad example at {documented - exemplified}"


@pytest.mark.parametrize("rule", [r for r in RULES if r.language == "python" and r.tool == "reviewbot"], ids=lambda r: r.code)
def test_python_examples_are_valid_python(rule):
    for example in rule.examples:
        if rule.code in ("RB901", "RB904") and example in rule.bad_examples:
            continue  # these meta rules' bad examples are broken Python on purpose
        if example.path.endswith(".py"):
            ast.parse(textwrap.dedent(example.code))


def test_rule_modules_are_all_listed_in_the_registry():
    from reviewbot.analyzers.python.rules import RULES as PY_RULES

    listed = {r.__module__ for r in PY_RULES}
    base = REPO / "reviewbot" / "analyzers" / "python" / "rules"
    modules = set()
    for path in base.rglob("*.py"):
        if path.name == "__init__.py":
            continue
        source = path.read_text(encoding="utf-8")
        if re.search(r"^class \w+\(PythonRule\):", source, re.M):
            modules.add(".".join(path.relative_to(REPO).with_suffix("").parts))
    assert modules - listed == set()


def test_readme_rule_table_is_generated_from_the_rules():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    begin, end = "<!-- rules:begin -->\n", "<!-- rules:end -->"
    assert begin in readme and end in readme
    current = readme.split(begin, 1)[1].split(end, 1)[0]
    assert current == render_rules_table(RULES, "markdown"), (
        "README rule table is stale: run `python -m tests.update_readme`"
    )


def test_explain_prints_a_rule_and_unknown_codes_exit_2(cli, repo):
    result = cli(["explain", "RB901"], repo.path)
    assert result.exit_code == 0
    assert result.stdout.startswith("RB901 unparsable-file\n")
    for heading in ("Why:", "Example:", "Instead:", "Fix:"):
        assert heading in result.stdout
    unknown = cli(["explain", "RB9999"], repo.path)
    assert unknown.exit_code == 2 and "nearest:" in unknown.stderr


def test_installed_console_script_runs():
    exe = Path(sys.executable).parent / "reviewbot"
    out = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("reviewbot, version ")
    module = subprocess.run([sys.executable, "-m", "reviewbot", "rules", "--format", "json"], capture_output=True, text=True, check=True)
    assert '"code": "RB901"' in module.stdout
