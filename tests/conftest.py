"""Shared fixtures: temporary git repositories and a CLI runner that returns (exit, stdout, stderr)."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from reviewbot.cli import main_group

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Dana Dev",
    "GIT_AUTHOR_EMAIL": "dana@example.com",
    "GIT_COMMITTER_NAME": "Dana Dev",
    "GIT_COMMITTER_EMAIL": "dana@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}


# TypeScript projects whose real compiler the tests run: their node_modules come from the npm registry.
NPM_PROJECTS = (REPO_ROOT / "fixtures" / "platform" / "api", REPO_ROOT / "tests" / "fixtures_tools" / "tsgo")


@pytest.fixture(scope="session", autouse=True)
def npm_installed() -> None:
    """`npm ci` in each TypeScript project that has no node_modules yet, once, so that the README's test
    command works on a fresh clone (.ci/run runs it before the tests). A failure here is reported by the
    tests that need tsc, with how to fix it."""
    npm = shutil.which("npm")
    if npm is None:
        return
    for project in NPM_PROJECTS:
        if (project / "node_modules" / ".bin").is_dir():
            continue
        with open(project / "package-lock.json", "rb") as lock:  # one installer at a time (parallel runs)
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                if not (project / "node_modules" / ".bin").is_dir():
                    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=project,
                                   capture_output=True, timeout=600, check=False)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV, "HOME": str(repo)}
    done = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True)
    return done.stdout


@dataclass
class Repo:
    path: Path

    def write(self, rel: str, text: str | bytes) -> Path:
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            target.write_bytes(text)
        else:
            target.write_text(text, encoding="utf-8")
        return target

    def git(self, *args: str) -> str:
        return git(self.path, *args)

    def commit(self, message: str = "change") -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message, "--allow-empty")
        return self.git("rev-parse", "HEAD").strip()


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    return Repo(path)


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch):
    def run(args: list[str], cwd: Path) -> CliResult:
        monkeypatch.chdir(cwd)
        runner = CliRunner()
        result = runner.invoke(main_group, args, catch_exceptions=False)
        return CliResult(result.exit_code, result.stdout, result.stderr)

    return run
