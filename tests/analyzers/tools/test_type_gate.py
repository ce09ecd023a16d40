"""The whole type-check gate on the reference platform: each service by its own checker and config.

Pull-request-like changes in a monorepo (the platform's Python service, its TypeScript API and its
Go gateway) reviewed with `reviewbot diff`: a type error is a blocking finding on its line, a clean
change passes, and a missing toolchain is a note naming what to install.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import PLATFORM, REPO_ROOT

TYPE_TOOLS = "mypy,tsc,go-vet"


def test_auditing_the_platform_from_the_repository_root_passes_with_every_checker(go_toolchain):
    reviewbot = Path(sys.executable).parent / "reviewbot"
    done = subprocess.run([str(reviewbot), "audit", "fixtures/platform", "--format", "json", "-q"],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["findings"] == []
    analyzers = report["stats"]["analyzers"]
    assert analyzers["mypy"]["files"] > 0 and analyzers["tsc"]["files"] > 0 and analyzers["go-vet"]["files"] > 0
    text = subprocess.run([str(reviewbot), "audit", "fixtures/platform"], cwd=REPO_ROOT, capture_output=True, text=True)
    notes = [line for line in text.stdout.splitlines() if line.startswith("note:")]
    # Every checker ran: nothing was skipped for a missing toolchain, nothing left unread. The only notes
    # are the migration gate's account of how it read each migrations folder.
    assert notes and all(n.startswith("note: migrations:") and " read as " in n or "Alembic files" in n for n in notes), notes
    assert "not analysed" not in text.stdout and "skipped" not in text.stdout


@pytest.fixture
def monorepo(repo, copy_ts_project):
    """The platform as one service of a monorepo: main holds it, branch `pr` is checked out."""
    shutil.copytree(PLATFORM, repo.path / "platform",
                    ignore=shutil.ignore_patterns("node_modules", "__pycache__", ".*_cache"))
    shutil.rmtree(repo.path / "platform" / "api")
    copy_ts_project(PLATFORM / "api", repo.path / "platform" / "api")
    repo.write("pyproject.toml", '[tool.reviewbot]\ntools = ["ruff", "mypy", "tsc", "go-vet"]\n')
    repo.commit("platform")
    repo.git("checkout", "-q", "-b", "pr")
    return repo


def _edit(repo, rel: str, old: str, new: str) -> int:
    path = repo.path / rel
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} not once in {rel}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def _review(cli, repo, tools: str = TYPE_TOOLS) -> tuple[int, list[tuple[str, int, str, str]]]:
    repo.commit("pr")
    result = cli(["diff", "--base", "main", "--tools", tools, "--format", "json", "-q"], cwd=repo.path)
    assert result.exit_code in (0, 1), result.stdout + result.stderr
    findings = json.loads(result.stdout)["findings"]
    return result.exit_code, [(f["path"], f["line"], f["rule"], f["tool"]) for f in findings]


def test_a_typescript_type_error_in_a_pr_fails_the_gate_on_its_line(go_toolchain, monorepo, cli):
    line = _edit(monorepo, "platform/api/src/routes/refunds.ts",
                 "const amountMinor = parsed.data.amount;", "const amountMinor: string = parsed.data.amount;")
    exit_code, findings = _review(cli, monorepo)
    assert findings == [("platform/api/src/routes/refunds.ts", line, "TS2322", "tsc")]
    assert exit_code == 1


def test_a_go_compile_error_in_a_pr_fails_the_gate_on_its_line(go_toolchain, monorepo, cli):
    line = _edit(monorepo, "platform/gateway/internal/payments/service.go",
                 'IdempotencyKey: "pay_" + claimed.ID,', "IdempotencyKey: claimed.Amount.Minor,")
    exit_code, findings = _review(cli, monorepo)
    assert findings == [("platform/gateway/internal/payments/service.go", line, "typecheck", "go-vet")]
    assert exit_code == 1


def test_a_python_type_error_is_found_under_the_services_own_strict_config(go_toolchain, monorepo, cli):
    # The repository root has no mypy config; platform/pyproject.toml (strict) applies to platform/.
    line = monorepo.write("platform/app/fees.py", "def fee_minor(amount_minor):\n    return amount_minor // 100\n")
    assert line.is_file()
    exit_code, findings = _review(cli, monorepo)
    assert findings == [("platform/app/fees.py", 1, "no-untyped-def", "mypy")]
    assert exit_code == 1


def test_a_well_typed_change_to_every_service_passes(go_toolchain, monorepo, cli):
    _edit(monorepo, "platform/api/src/money.ts", "export const MAX_AMOUNT_MINOR = 99_999_999;",
          "export const MAX_AMOUNT_MINOR = 99_999_999;\n\n/** Stripe's smallest USD charge. */\nexport const MIN_AMOUNT_MINOR = 50;")
    _edit(monorepo, "platform/gateway/internal/money/money.go", "const MaxCharge Minor = 99_999_999",
          "const MaxCharge Minor = 99_999_999\n\n// MinCharge is the smallest charge the PSP accepts.\nconst MinCharge Minor = 50")
    monorepo.write("platform/app/fees.py", "def fee_minor(amount_minor: int) -> int:\n    return amount_minor // 100\n")
    exit_code, findings = _review(cli, monorepo)
    assert (exit_code, findings) == (0, [])


def test_a_pr_in_a_typescript_project_without_node_modules_passes_with_a_note_saying_npm_ci(monorepo, cli):
    (monorepo.path / "platform" / "api" / "node_modules").unlink()
    _edit(monorepo, "platform/api/src/money.ts", "export const MAX_AMOUNT_MINOR = 99_999_999;",
          'export const MAX_AMOUNT_MINOR: number = "99999999";')
    monorepo.commit("pr")
    result = cli(["diff", "--base", "main", "--tools", "tsc"], cwd=monorepo.path)
    assert result.exit_code == 0
    assert "note: tsc not run for 1 TypeScript file in platform/api: TypeScript is not installed" in result.stdout
    assert "cd platform/api && npm ci" in result.stdout
