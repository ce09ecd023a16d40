"""The pre-commit hook for real: `pre-commit try-repo` in a temporary repository."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import REPO_ROOT

BAD = "def refund_half(amount_cents: int) -> int:\n    try:\n        return amount_cents // 2\n    except:\n        return 0\n"
GOOD = "def refund_half(amount_cents: int) -> int:\n    return amount_cents // 2\n"


def pre_commit(repo: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "GIT_AUTHOR_NAME": "d", "GIT_AUTHOR_EMAIL": "d@x",
           "GIT_COMMITTER_NAME": "d", "GIT_COMMITTER_EMAIL": "d@x", "PRE_COMMIT_COLOR": "never"}
    exe = Path(sys.executable).parent / "pre-commit"
    return subprocess.run([str(exe), *args], cwd=repo, env=env, capture_output=True, text=True, timeout=900)


def test_hook_definition_checks_only_staged_changes_and_is_fast_by_default():
    (hook,) = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "reviewbot"
    assert "--staged" in hook["entry"] and "--tools ruff" in hook["entry"]
    assert hook["pass_filenames"] is False
    assert {"python", "sql", "ts", "go"} <= set(hook["types_or"])


def test_try_repo_fails_on_a_staged_bad_file_and_passes_a_clean_one(repo, tmp_path):
    home = tmp_path / "pre-commit-home"
    repo.write("app/refunds.py", GOOD)
    repo.commit("base")
    repo.write("app/refunds.py", BAD)
    repo.git("add", "app/refunds.py")
    failed = pre_commit(repo.path, home, "try-repo", str(REPO_ROOT), "reviewbot", "--verbose")
    output = failed.stdout + failed.stderr
    assert failed.returncode == 1, output
    assert "app/refunds.py:4:" in output and "RB201" in output

    repo.write("app/refunds.py", GOOD.replace("// 2", "// 3"))
    repo.git("add", "app/refunds.py")
    passed = pre_commit(repo.path, home, "try-repo", str(REPO_ROOT), "reviewbot", "--verbose")
    assert passed.returncode == 0, passed.stdout + passed.stderr
