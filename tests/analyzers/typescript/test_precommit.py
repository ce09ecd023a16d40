"""The pre-commit hook checks staged TypeScript (`types_or` lists ts and tsx; the hook runs `diff --staged`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT

CLEAN = "export async function refund(id: string, key: string) {\n  return { id, key };\n}\n"
BAD = (
    "import Stripe from \"stripe\";\nconst stripe = new Stripe(process.env.STRIPE_SECRET_KEY!);\n"
    "export async function refund(id: string) {\n"
    "  return stripe.refunds.create({ payment_intent: id });\n}\n"
)


def pre_commit(repo: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "GIT_AUTHOR_NAME": "d", "GIT_AUTHOR_EMAIL": "d@x",
           "GIT_COMMITTER_NAME": "d", "GIT_COMMITTER_EMAIL": "d@x", "PRE_COMMIT_COLOR": "never"}
    exe = Path(sys.executable).parent / "pre-commit"
    return subprocess.run([str(exe), *args], cwd=repo, env=env, capture_output=True, text=True, timeout=900)


def test_a_staged_typescript_file_is_checked_by_the_hook(repo, tmp_path):
    home = tmp_path / "pre-commit-home"
    repo.write("api/src/refunds.ts", CLEAN)
    repo.commit("base")
    repo.write("api/src/refunds.ts", BAD)
    repo.git("add", "api/src/refunds.ts")
    failed = pre_commit(repo.path, home, "try-repo", str(REPO_ROOT), "reviewbot", "--verbose")
    output = failed.stdout + failed.stderr
    assert failed.returncode == 1, output
    assert "api/src/refunds.ts:4:" in output and "RB310" in output

    repo.write("api/src/refunds.ts", CLEAN.replace("id, key", "key, id"))
    repo.git("add", "api/src/refunds.ts")
    passed = pre_commit(repo.path, home, "try-repo", str(REPO_ROOT), "reviewbot", "--verbose")
    assert passed.returncode == 0, passed.stdout + passed.stderr
