"""Bad input exits 2 with one line saying what happened and what to do, never a traceback."""

from __future__ import annotations

import os

import pytest

BROKEN = "def refund(amount_minor: int)\n    return amount_minor\n"
CLEAN = "def refund(amount_minor: int) -> int:\n    return amount_minor\n"


def assert_clean_error(result, *needles):
    assert result.exit_code == 2, result
    assert "Traceback" not in result.stderr + result.stdout
    for needle in needles:
        assert needle in result.stderr


def test_audit_of_a_nonexistent_path_exits_2_naming_it(repo, cli):
    result = cli(["audit", "payments/nowhere.py", "--tools", "none"], repo.path)
    assert_clean_error(result, "payments/nowhere.py", "does not exist")


def test_a_directory_given_as_a_patch_exits_2(repo, cli):
    (repo.path / "patches").mkdir()
    result = cli(["diff", "--patch", "patches", "--tools", "none"], repo.path)
    assert_clean_error(result, "is a directory", "hint:")


def test_a_malformed_patch_exits_2(repo, cli):
    repo.write("broken.patch", "--- a/app.py\n+++ b/app.py\n@@ -1,2 +1,2 @@ garbage\n-x\n")
    result = cli(["diff", "--patch", "broken.patch", "--tools", "none"], repo.path)
    assert_clean_error(result, "malformed patch")


def test_text_that_is_not_a_patch_exits_2(repo, cli):
    repo.write("notes.patch", "this is a shopping list, not a diff\n")
    result = cli(["diff", "--patch", "notes.patch", "--tools", "none"], repo.path)
    assert_clean_error(result, "malformed patch", "unified diff")


def test_an_unknown_format_exits_2(repo, cli):
    repo.write("app.py", CLEAN)
    result = cli(["audit", "--format", "xml"], repo.path)
    assert result.exit_code == 2
    assert "xml" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("toml", "needle"),
    [
        ("[tool.reviewbot]\nfail_on = 'error'\n", "did you mean 'fail-on'"),
        ("[tool.reviewbot]\nfail-on = 'sometimes'\n", "fail-on must be one of"),
        ("[tool.reviewbot]\ntools = ['ruff', 'pylint']\n", "unknown tool 'pylint'"),
        ("[tool.reviewbot]\nselect = 3\n", "select must be a list"),
        ("[tool.reviewbot.migrations]\npostgres-version = 'sixteen'\n", "postgres-version must be a non-negative integer"),
        ("[tool.reviewbot.severity]\nRB101 = 'fatal'\n", "severity.RB101"),
        ("[tool.reviewbot\n", "not valid TOML"),
    ],
)
def test_bad_configuration_exits_2_naming_the_key(repo, cli, toml, needle):
    repo.write("pyproject.toml", toml)
    repo.write("app.py", CLEAN)
    result = cli(["audit", "--tools", "none"], repo.path)
    assert_clean_error(result, needle)


def test_an_unreadable_file_exits_2(repo, cli):
    os.symlink(repo.path / "missing_target.py", repo.path / "ledger.py")
    result = cli(["audit", "ledger.py", "--tools", "none"], repo.path)
    assert_clean_error(result, "cannot read", "ledger.py")


def test_an_unknown_git_ref_exits_2(repo, cli):
    repo.write("app.py", CLEAN)
    repo.commit()
    result = cli(["diff", "--base", "origin/nope", "--tools", "none"], repo.path)
    assert_clean_error(result, "unknown git revision 'origin/nope'")


def test_diff_needs_exactly_one_source(repo, cli):
    result = cli(["diff", "--tools", "none"], repo.path)
    assert_clean_error(result, "choose exactly one of")


def test_an_unknown_tool_on_the_command_line_exits_2(repo, cli):
    repo.write("app.py", CLEAN)
    result = cli(["audit", "--tools", "pylint"], repo.path)
    assert_clean_error(result, "unknown tool 'pylint'")


def test_an_unparsable_file_is_a_finding_and_the_run_goes_on(repo, cli):
    repo.write("app/broken.py", BROKEN)
    repo.write("app/clean.py", CLEAN)
    result = cli(["audit", "--tools", "none"], repo.path)
    assert result.exit_code == 1
    assert "app/broken.py:1:30:" in result.stdout and "RB901" in result.stdout
    assert "in 2 files" in result.stdout


def test_fail_on_never_passes_with_findings(repo, cli):
    repo.write("app/broken.py", BROKEN)
    result = cli(["audit", "--tools", "none", "--fail-on", "never"], repo.path)
    assert result.exit_code == 0
    assert "RB901" in result.stdout


def test_a_clean_tree_passes_with_exit_0(repo, cli):
    repo.write("app/clean.py", CLEAN)
    result = cli(["audit", "--tools", "none"], repo.path)
    assert result.exit_code == 0
    assert "gate passed" in result.stdout
