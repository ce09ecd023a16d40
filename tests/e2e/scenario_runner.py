"""Apply a fixtures/prs scenario to a temporary git repository made from fixtures/platform."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PLATFORM = REPO / "fixtures" / "platform"
PRS = REPO / "fixtures" / "prs"
IGNORED = shutil.ignore_patterns(".mypy_cache", ".ruff_cache", "__pycache__", ".pytest_cache", "*.pyc", "node_modules")
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Dana Dev", "GIT_AUTHOR_EMAIL": "dana@example.com",
    "GIT_COMMITTER_NAME": "Dana Dev", "GIT_COMMITTER_EMAIL": "dana@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}

Key = tuple[str, str, int]


@dataclass(frozen=True)
class Scenario:
    name: str
    path: Path

    @property
    def patch(self) -> Path:
        return self.path / "change.patch"

    def expected(self) -> set[Key]:
        data = json.loads((self.path / "expected.json").read_text(encoding="utf-8"))
        return {(f["rule"], f["path"], int(f["line"])) for f in data["findings"]}

    def expected_severities(self) -> dict[Key, str]:
        """The severity each finding must have, where expected.json states it (`error` blocks, a
        medium-confidence finding is demoted to `warning`)."""
        data = json.loads((self.path / "expected.json").read_text(encoding="utf-8"))
        return {(f["rule"], f["path"], int(f["line"])): f["severity"] for f in data["findings"] if "severity" in f}

    def languages(self) -> set[str]:
        """The languages the patch changes, by suffix: python, sql, typescript, go."""
        suffixes = {"py": "python", "sql": "sql", "ts": "typescript", "tsx": "typescript", "go": "go"}
        changed = re.findall(r"^\+\+\+ b/\S+\.(\w+)$", self.patch.read_text(encoding="utf-8"), re.MULTILINE)
        return {suffixes[s] for s in changed if s in suffixes}

    def pr(self) -> dict[str, str]:
        pr_file = self.path / "pr.json"
        return json.loads(pr_file.read_text(encoding="utf-8")) if pr_file.is_file() else {"title": self.name, "body": ""}


def scenarios() -> list[Scenario]:
    if not PRS.is_dir():
        return []
    return [Scenario(p.name, p) for p in sorted(PRS.iterdir()) if (p / "change.patch").is_file()]


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV, "HOME": str(repo)}
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True).stdout


def prepare(scenario: Scenario, workdir: Path) -> tuple[Path, str, str]:
    """A git repo with the platform as base commit and the scenario's patch as head commit."""
    repo = workdir / "platform"
    shutil.copytree(PLATFORM, repo, ignore=IGNORED)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    base = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "checkout", "-q", "-b", "pr")
    git(repo, "apply", "--index", str(scenario.patch))
    git(repo, "commit", "-qm", scenario.pr()["title"])
    head = git(repo, "rev-parse", "HEAD").strip()
    return repo, base, head


def run_diff(repo: Path, base: str, head: str, tools: str = "ruff,mypy") -> dict[str, object]:
    exe = Path(sys.executable).parent / "reviewbot"
    done = subprocess.run(
        [str(exe), "diff", "--base", base, "--head", head, "--tools", tools, "--format", "json", "-q"],
        cwd=repo, capture_output=True, text=True,
    )
    if done.returncode not in (0, 1):
        raise AssertionError(f"reviewbot exited {done.returncode}: {done.stderr}")
    result: dict[str, object] = json.loads(done.stdout)
    result["exit_code"] = done.returncode
    return result


def found_keys(result: dict[str, object]) -> set[Key]:
    findings = result["findings"]
    assert isinstance(findings, list)
    return {(f["rule"], f["path"], int(f["line"])) for f in findings}


def found_severities(result: dict[str, object]) -> dict[Key, str]:
    findings = result["findings"]
    assert isinstance(findings, list)
    return {(f["rule"], f["path"], int(f["line"])): f["severity"] for f in findings}
