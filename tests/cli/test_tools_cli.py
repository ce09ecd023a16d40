"""External tools through the CLI: dedupe against our rules, missing tools, optional tools, stats."""

from __future__ import annotations

import json

SWALLOW = "import os\n\n\ndef refund(amount_cents: int) -> int:\n    try:\n        return amount_cents // 2\n    except:\n        return 0\n"


def test_ruff_and_our_rule_on_the_same_bare_except_give_one_finding(repo, cli):
    repo.write("app/refunds.py", SWALLOW)
    result = cli(["audit", "--tools", "ruff", "--format", "json"], repo.path)
    data = json.loads(result.stdout)
    rules = sorted((f["rule"], f["line"], f["tool"]) for f in data["findings"])
    assert ("RB201", 7, "reviewbot") in rules
    assert not any(rule == "E722" for rule, _, _ in rules)  # ruff's twin of RB201 is dropped
    assert ("F401", 1, "ruff") in rules  # the unused import stays, as lint
    assert set(data["stats"]["analyzers"]) == {"reviewbot", "migrations", "ruff"}


def test_mypy_errors_gate_as_the_types_family(repo, cli):
    repo.write("app/fees.py", "def fee_minor(amount_minor: int) -> int:\n    return str(amount_minor)\n")
    result = cli(["audit", "--tools", "mypy", "--format", "json"], repo.path)
    data = json.loads(result.stdout)
    assert result.exit_code == 1
    assert [(f["rule"], f["family"], f["line"], f["tool"]) for f in data["findings"]] == [
        ("return-value", "types", 2, "mypy")
    ]


def test_a_missing_tool_exits_2_with_how_to_install_it(repo, cli):
    repo.write("app/x.ts", "export const amount = parseFloat(input);\n")
    repo.write("pyproject.toml", "[tool.reviewbot.semgrep]\ncommand = '/nonexistent/semgrep'\nconfigs = ['rules.yml']\n")
    result = cli(["audit", "--tools", "semgrep"], repo.path)
    assert result.exit_code == 2
    assert "semgrep" in result.stderr and "hint:" in result.stderr and "Traceback" not in result.stderr


def test_an_optional_missing_tool_is_a_note_and_the_gate_still_decides(repo, cli):
    repo.write("app/x.ts", "export const amount = parseFloat(input);\n")
    repo.write("app/ok.py", "x = 1\n")
    repo.write(
        "pyproject.toml",
        "[tool.reviewbot]\noptional-tools = ['semgrep']\n[tool.reviewbot.semgrep]\ncommand = '/nonexistent/semgrep'\n"
        "configs = ['rules.yml']\n",
    )
    result = cli(["audit", "--tools", "semgrep"], repo.path)
    assert result.exit_code == 0
    assert "note: semgrep skipped (optional)" in result.stdout
