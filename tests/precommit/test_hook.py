"""The pre-commit hook for real: every pre-commit mode, with the real pre-commit, from one installed hook.

pre-commit clones the hook repository and pip-installs reviewbot from the registry once; every test of
this module shares that clone and environment (one PRE_COMMIT_HOME, one snapshot of this tree).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from reviewbot.sources.paths import REVIEWED_SUFFIXES
from tests.conftest import GIT_ENV, REPO_ROOT, Repo, git

LEGACY = (
    "def refund_half(amount_cents: int) -> int:\n"
    "    try:\n"
    "        return gateway.refund(amount_cents // 2)\n"
    "    except:\n"
    "        return 0\n"
    "\n"
    "\n"
    "def fee_minor(order_total_minor: int) -> int:\n"
    "    return order_total_minor // 50\n"
)
NEW_BAD_LINES = "\n\ndef goodwill(order):\n    try:\n        return order.refund()\n    except:\n        return None\n"
NEW_CLEAN_LINES = "\n\ndef tip_minor(order_total_minor: int) -> int:\n    return order_total_minor // 20\n"


@pytest.fixture(scope="module")
def hook_source(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, Path]:
    """(a git repository holding this tree as it is now, its commit, a shared PRE_COMMIT_HOME)."""
    snapshot = tmp_path_factory.mktemp("hook-repo")
    listed = subprocess.run(["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=REPO_ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for rel in listed:
        source = REPO_ROOT / rel
        if not rel or rel.startswith(".venv") or not source.is_file() or source.is_symlink():
            continue
        target = snapshot / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    git(snapshot, "init", "-q", "-b", "main")
    git(snapshot, "add", "-A")
    git(snapshot, "commit", "-q", "-m", "hook snapshot")
    rev = git(snapshot, "rev-parse", "HEAD").strip()
    return snapshot, rev, tmp_path_factory.mktemp("pre-commit-home")


def pre_commit(repo: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "pre-commit"
    return subprocess.run([str(exe), *args], cwd=repo, env=_env(repo, home), capture_output=True, text=True,
                          timeout=900, check=False)


def _env(repo: Path, home: Path) -> dict[str, str]:
    # PATH first holds this interpreter's bin: `git commit` runs the installed hook, which finds pre-commit.
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never", "PATH": path}


@pytest.fixture
def consumer(repo: Repo, hook_source: tuple[Path, str, Path]) -> Repo:
    """A repository with a committed legacy file full of findings, using the hook from `hook_source`."""
    source, rev, _home = hook_source
    config = {"repos": [{"repo": str(source), "rev": rev, "hooks": [{"id": "reviewbot"}]}]}
    repo.write(".pre-commit-config.yaml", yaml.safe_dump(config))
    repo.write("app/refunds.py", LEGACY)
    repo.write("app/clean.py", "def zero_minor() -> int:\n    return 0\n")
    repo.commit("legacy code, before reviewbot")
    return repo


def run_hook(consumer: Repo, hook_source: tuple[Path, str, Path], *args: str) -> tuple[int, str]:
    done = pre_commit(consumer.path, hook_source[2], "run", *args, "--verbose")
    return done.returncode, done.stdout + done.stderr


def findings_in(output: str) -> set[tuple[str, int, str]]:
    return {(m[1], int(m[2]), m[3]) for m in re.finditer(r"^(\S+?):(\d+):\d+: (\w+) ", output, re.MULTILINE)}


def test_hook_checks_the_files_pre_commit_passes_and_reviews_every_suffix_reviewbot_knows():
    (hook,) = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "reviewbot"
    assert hook["entry"].startswith("reviewbot pre-commit") and "--tools ruff" in hook["entry"]
    assert hook.get("pass_filenames", True) is True and hook["require_serial"] is True
    pattern = re.compile(hook["files"])
    for suffix in REVIEWED_SUFFIXES:
        assert pattern.search(f"app/payments{suffix}"), suffix
    for other in ("README.md", "app/payments.pyc", "app/payments.json", "Makefile"):
        assert not pattern.search(other), other


def test_git_commit_gates_a_legacy_file_on_the_lines_the_commit_changes(consumer, hook_source):
    home = hook_source[2]
    installed = pre_commit(consumer.path, home, "install")
    assert installed.returncode == 0, installed.stdout + installed.stderr

    consumer.write("app/refunds.py", LEGACY + NEW_CLEAN_LINES)
    consumer.git("add", "app/refunds.py")
    ok = subprocess.run(["git", "commit", "-m", "add tip_minor"], cwd=consumer.path, env=_env(consumer.path, home),
                        capture_output=True, text=True, timeout=900, check=False)
    assert ok.returncode == 0, ok.stdout + ok.stderr  # the legacy bare except is not what this commit changed

    consumer.write("app/refunds.py", LEGACY + NEW_CLEAN_LINES + NEW_BAD_LINES)
    consumer.git("add", "app/refunds.py")
    refused = subprocess.run(["git", "commit", "-m", "goodwill"], cwd=consumer.path, env=_env(consumer.path, home),
                             capture_output=True, text=True, timeout=900, check=False)
    output = refused.stdout + refused.stderr
    assert refused.returncode == 1, output
    assert ("app/refunds.py", 19, "RB201") in findings_in(output), output
    assert not any(line == 4 for _, line, _ in findings_in(output)), output  # legacy lines stay out
    assert "staged lines" in output


def test_all_files_checks_every_file_whole_as_ci_and_pre_commit_ci_run_it(consumer, hook_source):
    status, output = run_hook(consumer, hook_source, "--all-files")
    assert status == 1, output
    assert ("app/refunds.py", 4, "RB201") in findings_in(output), output
    assert "the whole of 2 files" in output


def test_files_checks_the_named_file_whole(consumer, hook_source):
    status, output = run_hook(consumer, hook_source, "--files", "app/refunds.py")
    assert status == 1, output
    assert {f for f in findings_in(output) if f[2].startswith("RB")} == {("app/refunds.py", 4, "RB201")}, output

    status, output = run_hook(consumer, hook_source, "--files", "app/clean.py")
    assert status == 0, output


def test_from_ref_to_ref_checks_the_lines_the_range_changes(consumer, hook_source):
    base = consumer.git("rev-parse", "HEAD").strip()
    consumer.write("app/refunds.py", LEGACY + NEW_CLEAN_LINES)
    clean = consumer.commit("add tip_minor")
    status, output = run_hook(consumer, hook_source, "--from-ref", base, "--to-ref", clean)
    assert status == 0, output  # the range touches no line with a finding
    assert "lines changed in the range" in output

    consumer.write("app/refunds.py", LEGACY + NEW_CLEAN_LINES + NEW_BAD_LINES)
    bad = consumer.commit("goodwill")
    status, output = run_hook(consumer, hook_source, "--from-ref", base, "--to-ref", bad)
    assert status == 1, output
    assert {f for f in findings_in(output) if f[2].startswith("RB")} == {("app/refunds.py", 19, "RB201")}, output


STRIPE_REFUND_TS = (
    'import Stripe from "stripe";\n'
    "\n"
    "const stripe = new Stripe(process.env.STRIPE_SECRET_KEY ?? \"\");\n"
    "\n"
    "export async function refundFromDashboard(intentId: string, typed: string, requestId: string) {\n"
    "  const amount = Math.round(parseFloat(typed) * 100);\n"
    "  return stripe.refunds.create({ payment_intent: intentId, amount }, { idempotencyKey: `refund:${requestId}` });\n"
    "}\n"
)
CLEAN_GO = (
    "package money\n"
    "\n"
    'import "fmt"\n'
    "\n"
    "// Format renders minor units for receipts with integer arithmetic only.\n"
    "func Format(minor int64, currency string) string {\n"
    '\treturn fmt.Sprintf("%d.%02d %s", minor/100, minor%100, currency)\n'
    "}\n"
)


def test_git_commit_checks_staged_typescript_and_go(consumer, hook_source):
    """A staged .ts that parses an amount as a float for Stripe fails the commit; a clean staged .go passes."""
    home = hook_source[2]
    installed = pre_commit(consumer.path, home, "install")
    assert installed.returncode == 0, installed.stdout + installed.stderr

    consumer.write("gateway/money/format.go", CLEAN_GO)
    consumer.git("add", "gateway/money/format.go")
    ok = subprocess.run(["git", "commit", "-m", "format minor units"], cwd=consumer.path, env=_env(consumer.path, home),
                        capture_output=True, text=True, timeout=900, check=False)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "reviewbot" in ok.stdout + ok.stderr and "Passed" in ok.stdout + ok.stderr  # the hook ran on the .go file

    consumer.write("api/src/refunds.ts", STRIPE_REFUND_TS)
    consumer.git("add", "api/src/refunds.ts")
    refused = subprocess.run(["git", "commit", "-m", "dashboard refunds"], cwd=consumer.path,
                             env=_env(consumer.path, home), capture_output=True, text=True, timeout=900, check=False)
    output = refused.stdout + refused.stderr
    assert refused.returncode == 1, output
    assert ("api/src/refunds.ts", 6, "RB110") in findings_in(output), output
    assert consumer.git("log", "-1", "--format=%s").strip() == "format minor units"  # nothing was committed


def test_files_checks_a_go_file_whole(consumer, hook_source):
    consumer.write(
        "gateway/payouts.go",
        "package payouts\n\n"
        "// Payout is one row of the payouts table.\n"
        "type Payout struct {\n"
        '\tID     string  `db:"id"`\n'
        '\tAmount float64 `db:"amount"`\n'
        "}\n",
    )
    status, output = run_hook(consumer, hook_source, "--files", "gateway/payouts.go")
    assert status == 1, output
    assert {f for f in findings_in(output) if f[2].startswith("RB")} == {("gateway/payouts.go", 6, "RB112")}, output
