"""The reference platform under fixtures/platform passes its own tests, ruff and mypy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PLATFORM = Path(__file__).resolve().parents[2] / "fixtures" / "platform"


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_the_platform_test_suite_passes_offline() -> None:
    result = run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "fixtures/platform/tests"],
        cwd=PLATFORM.parents[1],
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed" in result.stdout


def test_the_platform_is_clean_under_its_own_ruff_config() -> None:
    result = run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], cwd=PLATFORM)

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_platform_is_clean_under_its_own_mypy_config(tmp_path: Path) -> None:
    result = run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "mypy")], cwd=PLATFORM)

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("Success: no issues found")
