"""One cause, one finding; `explain` knows the tool codes we report; docs render cleanly."""

from __future__ import annotations

import json

import pytest

from reviewbot.explain import all_rules


def test_a_file_that_is_not_utf8_is_one_finding_whatever_the_tools_say(repo, cli):
    repo.write("app/legacy.py", b'label = "caf\xe9"\namount_minor = 1\n')
    repo.commit("base")
    result = cli(["audit", "--tools", "ruff,mypy", "--format", "json", "-q"], repo.path)
    findings = json.loads(result.stdout)["findings"]
    assert [(f["rule"], f["path"]) for f in findings] == [("RB901", "app/legacy.py")], findings
    assert result.exit_code == 1  # the file could not be checked: the gate fails


def test_explain_a_ruff_code_we_report_names_the_tool_family_twin_and_ruffs_own_text(cli, tmp_path):
    result = cli(["explain", "E722"], tmp_path)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert out.startswith("E722 bare-except\nreported by ruff · family: exceptions · severity: error")
    assert "RB201 reports the same defect" in out
    assert "## Why is this bad?" in out  # `ruff rule E722`
    assert "https://docs.astral.sh/ruff/rules/bare-except/" in out


@pytest.mark.parametrize(("code", "tool", "family"), [("F401", "ruff", "lint"), ("arg-type", "mypy", "types"),
                                                       ("TS2322", "tsc", "types"), ("printf", "go vet", "types")])
def test_explain_knows_every_tool_code_kind(cli, tmp_path, code, tool, family):
    result = cli(["explain", code, "--format", "json"], tmp_path)
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert (document["tool"], document["family"]) == (tool, family)


def test_explain_an_unknown_code_is_still_exit_2_with_the_nearest(cli, tmp_path):
    result = cli(["explain", "RB1O1"], tmp_path)
    assert result.exit_code == 2
    assert "nearest: RB101" in result.stderr


def test_explain_examples_are_dedented(cli, tmp_path):
    for rule in all_rules():
        out = cli(["explain", rule.code], tmp_path).stdout
        blocks = out.split("\nExample")[1:] + out.split("\nInstead:")[1:]
        for block in blocks:
            code = [line for line in block.split("\n\n")[0].splitlines()[1:] if line.strip()]
            if code:
                # The example's least indented line sits at the frame's 4 spaces, not 16.
                assert min(len(line) - len(line.lstrip()) for line in code) == 4, (rule.code, code)


def test_rules_text_has_a_header_row(cli, tmp_path):
    lines = cli(["rules"], tmp_path).stdout.splitlines()
    assert lines[0].split() == ["code", "name", "family", "severity", "fix"]
    assert lines[1].startswith("RB101 ")
