"""Fuzz: patches and git ranges whose paths git must quote or escape are read whole (issue #15).

A commit adds Python files with odd names (non-ASCII, quotes, backslashes, tabs, newlines, bytes that are
not UTF-8, odd directories), sometimes beside a submodule bump, a rename, a deletion and a binary file.
Every mode reviewbot reads a change in — `diff --base X --head Y`, `diff --base X` (working tree),
`diff --staged`, `diff --patch` — must find the money float in each added file, under its real name,
and count a gitlink as skipped rather than fail.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.budget import budget, check
from tests.fuzz.inputs import odd_paths
from tests.fuzz.oracle import contract_violations, git, run_cli, write

BAD = b"def refund_total(order) -> float:\n    amount: float = order.total\n    return amount\n"


def _submodule(tmp: Path) -> Path:
    sub = tmp / "sub-origin"
    sub.mkdir()
    git(sub, "init", "-q", "-b", "main")
    git(sub, "commit", "-q", "--allow-empty", "-m", "one")
    git(sub, "commit", "-q", "--allow-empty", "-m", "two")
    return sub


def check_paths(case: str, paths: list[bytes], extras: set[str]) -> list[str]:
    violations: list[str] = []
    with tempfile.TemporaryDirectory(prefix="reviewbot-fuzz-") as tmp:
        repo = Path(tmp) / "repo"
        repo.mkdir()
        git(repo, "init", "-q", "-b", "main")
        write(repo, "app/base.py", b"x = 1\n")
        write(repo, "app/old name.py", b"y = 2\n")
        write(repo, "assets/logo.png", b"\x89PNG\r\n\x1a\n\x00binary")
        if "submodule" in extras:
            sub = _submodule(Path(tmp))
            git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub), "vendor/sub")
            git(repo, "-C", "vendor/sub", "checkout", "-q", "HEAD~1")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "base")
        for path in paths:
            write(repo, path, BAD)
        if "submodule" in extras:
            git(repo, "-C", "vendor/sub", "checkout", "-q", "main")
        if "rename" in extras:
            git(repo, "mv", "app/old name.py", "app/néw name.py")
        if "delete" in extras:
            git(repo, "rm", "-q", "app/base.py")
        if "binary" in extras:
            write(repo, "assets/logo.png", b"\x89PNG\r\n\x1a\n\x01changed")
        git(repo, "add", "-A")
        expected = {os.fsdecode(p) for p in paths}
        modes = {"staged": ["--staged"]}
        for mode, args in modes.items():
            violations += _expect(case, mode, repo, args, expected, extras)
        git(repo, "commit", "-q", "-m", "head")
        diff = git(repo, "diff", "HEAD~1", "HEAD")  # git's default quoting, as a PR's .diff has it
        patch = Path(tmp) / "change.patch"
        patch.write_bytes(diff)
        for mode, args in {
            "range": ["--base", "HEAD~1", "--head", "HEAD"],
            "worktree": ["--base", "HEAD~1"],
            "patch": ["--patch", str(patch)],
        }.items():
            violations += _expect(case, mode, repo, args, expected, extras)
    return violations


def _expect(case: str, mode: str, repo: Path, args: list[str], expected: set[str], extras: set[str]) -> list[str]:
    run = run_cli(["diff", *args, "--tools", "none", "--format", "json", "-q"], repo)
    what = f"{case} {mode}"
    violations = contract_violations(run, what)
    if run.data is None:
        return violations
    found = {str(f["path"]) for f in run.findings if f["rule"] == "RB101"}
    missing = expected - found
    if missing:
        violations.append(f"{what}: no RB101 on {sorted(missing)!r}; found {sorted(found)!r}")
    skipped = run.data["stats"].get("skipped", {})
    if "submodule" in extras and mode != "patch" and skipped.get("submodule") != 1:
        violations.append(f"{what}: the submodule bump was not counted as skipped: {skipped}")
    return violations


@budget(ci=6, bench=300)
@given(odd_paths(), st.sets(st.sampled_from(["submodule", "rename", "delete", "binary"])))
def test_changes_to_files_with_odd_names_are_read_in_every_diff_mode(paths, extras):
    check("git-paths", len(paths), check_paths("git-paths", paths, extras))
