"""Paths git quotes or cannot print as UTF-8, and submodule bumps, in every diff source (issue #15)."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from reviewbot.core.changes import SkipReason
from reviewbot.sources.patch import parse_diff, unquote_path

BAD = "amount: float = 1.0\n"


@pytest.mark.parametrize(
    ("printed", "path"),
    [
        ('"b/caf\\303\\251.py"', "b/café.py"),
        ('"b/we\\"ird.py"', 'b/we"ird.py'),
        ('"b/tab\\there.py"', "b/tab\there.py"),
        ('"b/new\\nline.py"', "b/new\nline.py"),
        ('"b/back\\\\slash.py"', "b/back\\slash.py"),
        ('"b/latin\\351.py"', "b/latin\udce9.py"),  # not UTF-8: kept as a lone surrogate, like os.fsdecode
        ("b/plain name.py", "b/plain name.py"),
    ],
)
def test_a_path_git_quoted_is_read_back_as_its_own_bytes(printed, path):
    assert unquote_path(printed) == path


def _quoted_repo(repo):
    repo.write("app/base.py", "x = 1\n")
    repo.commit("base")
    for name in ("app/café.py", 'app/we"ird.py', "app/new\nline.py"):
        repo.write(name, BAD)
    (repo.path / os.fsdecode(b"app/latin\xe9.py")).write_text(BAD, encoding="utf-8")
    return {"app/café.py", 'app/we"ird.py', "app/new\nline.py", "app/latin\udce9.py"}


def _rb101_paths(result) -> set[str]:
    assert result.exit_code == 1, result.stderr
    return {f["path"] for f in json.loads(result.stdout)["findings"] if f["rule"] == "RB101"}


def test_staged_files_with_odd_names_are_checked(repo, cli):
    expected = _quoted_repo(repo)
    repo.git("add", "-A")
    assert _rb101_paths(cli(["diff", "--staged", "--tools", "none", "--min-confidence", "medium", "--format", "json"], repo.path)) == expected


def test_a_range_with_odd_names_is_checked_with_head_and_against_the_working_tree(repo, cli):
    expected = _quoted_repo(repo)
    repo.commit("odd names")
    for args in (["--base", "HEAD~1", "--head", "HEAD"], ["--base", "HEAD~1"]):
        assert _rb101_paths(cli(["diff", *args, "--tools", "none", "--min-confidence", "medium", "--format", "json"], repo.path)) == expected


def test_a_patch_with_git_quoted_names_is_checked(repo, cli, tmp_path):
    expected = _quoted_repo(repo)
    repo.commit("odd names")
    patch = tmp_path / "change.patch"
    # git's default quoting (core.quotepath on), as a PR's .diff or `git diff > x.patch` has it.
    patch.write_bytes(subprocess.run(["git", "diff", "HEAD~1", "HEAD"], cwd=repo.path, capture_output=True, check=True).stdout)
    assert b'"b/app/caf\\303\\251.py"' in patch.read_bytes()
    assert _rb101_paths(cli(["diff", "--patch", str(patch), "--tools", "none", "--min-confidence", "medium", "--format", "json"], repo.path)) == expected


def _submodule(tmp_path):
    origin = tmp_path / "lib"
    origin.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=origin, check=True)
    for message in ("one", "two"):
        subprocess.run(["git", "-c", "user.name=x", "-c", "user.email=x@y", "commit", "-q", "--allow-empty", "-m", message],
                       cwd=origin, check=True)
    return origin


def test_a_pull_request_that_bumps_a_submodule_skips_and_counts_it(repo, cli, tmp_path):
    origin = _submodule(tmp_path)
    repo.write("app/base.py", "x = 1\n")
    repo.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(origin), "vendor/lib")
    repo.git("-C", "vendor/lib", "checkout", "-q", "HEAD~1")
    repo.commit("base")
    repo.git("-C", "vendor/lib", "checkout", "-q", "main")
    repo.write("app/refund.py", BAD)
    repo.commit("bump the submodule and add a refund")
    result = cli(["diff", "--base", "HEAD~1", "--head", "HEAD", "--tools", "none", "--min-confidence", "medium", "--format", "json"], repo.path)
    assert _rb101_paths(result) == {"app/refund.py"}
    assert json.loads(result.stdout)["stats"]["skipped"] == {"submodule": 1}


def test_a_submodule_line_from_the_pr_files_api_is_a_skipped_gitlink():
    # The files API shows a gitlink as its two `Subproject commit` lines, without git's mode line.
    diff = (
        "diff --git a/vendor/lib b/vendor/lib\n--- a/vendor/lib\n+++ b/vendor/lib\n@@ -1 +1 @@\n"
        f"-Subproject commit {'a' * 40}\n+Subproject commit {'b' * 40}\n"
    )
    files, skipped = parse_diff(diff)
    assert files == [] and [(s.path, s.reason) for s in skipped] == [("vendor/lib", SkipReason.SUBMODULE)]
