"""fixtures/prs: every scenario is well formed, applies to the platform, and expects added lines only."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLATFORM = ROOT / "fixtures" / "platform"
PRS = ROOT / "fixtures" / "prs"
SCENARIOS = sorted(p for p in PRS.iterdir() if p.is_dir() and re.fullmatch(r"\d{3}-[a-z0-9-]+", p.name))
HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")


def expected_findings(scenario: Path) -> list[dict[str, object]]:
    data = json.loads((scenario / "expected.json").read_text())
    assert set(data) == {"findings"}
    findings = data["findings"]
    assert isinstance(findings, list)
    return findings


def added_lines(patch: str) -> dict[str, set[int]]:
    """New-file line numbers of the `+` lines, per path."""
    added: dict[str, set[int]] = {}
    path: str | None = None
    line = 0
    for raw in patch.splitlines():
        if raw.startswith("+++ "):
            path = None if raw == "+++ /dev/null" else raw.removeprefix("+++ b/")
            continue
        match = HUNK.match(raw)
        if match:
            line = int(match.group(1))
        elif path is None or raw.startswith(("diff ", "index ", "--- ", "new file", "deleted file", "\\")):
            continue
        elif raw.startswith("+"):
            added.setdefault(path, set()).add(line)
            line += 1
        elif not raw.startswith("-"):
            line += 1
    return added


def family(rule: str) -> str:
    if rule.startswith("RB"):
        return {"1": "money", "2": "exceptions", "3": "idempotency", "4": "migrations",
                "5": "concurrency", "7": "security"}[rule[2]]
    return "types" if rule.islower() else "lint"


@pytest.fixture(scope="module")
def platform_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("platform") / "repo"
    shutil.copytree(PLATFORM, dest, ignore=shutil.ignore_patterns("__pycache__", ".*_cache", "node_modules"))
    return dest


def test_there_are_at_least_thirty_scenarios_and_eight_clean_ones() -> None:
    clean = [s for s in SCENARIOS if not expected_findings(s)]

    assert len(SCENARIOS) >= 30
    assert len(clean) >= 8


def test_the_defect_scenarios_cover_every_family() -> None:
    families = {family(str(f["rule"])) for s in SCENARIOS for f in expected_findings(s)}

    assert families >= {"money", "exceptions", "idempotency", "migrations", "concurrency",
                        "security", "types", "lint"}


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.name)
def test_scenario_files_are_well_formed(scenario: Path) -> None:
    pr = json.loads((scenario / "pr.json").read_text())
    findings = expected_findings(scenario)

    assert sorted(p.name for p in scenario.iterdir()) == ["change.patch", "expected.json", "pr.json"]
    assert isinstance(pr["title"], str) and pr["title"]
    assert isinstance(pr["body"], str) and pr["body"]
    assert 0 <= len(findings) <= 3
    for finding in findings:
        assert isinstance(finding["rule"], str) and isinstance(finding["path"], str)
        assert isinstance(finding["line"], int) and finding["line"] >= 1
        keys = {"rule", "path", "line", "hazard"} if finding["rule"].startswith("RB4") else {"rule", "path", "line"}
        assert set(finding) - {"severity"} == keys
        assert finding.get("severity", "error") in ("error", "warning", "info")


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.name)
def test_scenario_patch_applies_to_the_platform(scenario: Path, platform_copy: Path) -> None:
    result = subprocess.run(
        ["git", "apply", "--check", str(scenario / "change.patch")],
        cwd=platform_copy, capture_output=True, text=True,
    )

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.name)
def test_expected_findings_sit_on_lines_the_patch_adds(scenario: Path) -> None:
    added = added_lines((scenario / "change.patch").read_text())

    for finding in expected_findings(scenario):
        assert finding["line"] in added.get(str(finding["path"]), set()), finding
