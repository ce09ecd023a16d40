"""Each fixtures/prs scenario, applied to the platform in a real git repository, yields exactly its expected findings."""

from __future__ import annotations

import pytest

from tests.e2e.scenario_runner import found_keys, found_severities, prepare, run_diff, scenarios

SCENARIOS = scenarios()


def test_there_are_enough_scenarios_covering_every_family():
    assert len(SCENARIOS) >= 30
    clean = [s for s in SCENARIOS if not s.expected()]
    assert len(clean) >= 8
    rules = {rule for s in SCENARIOS for rule, _, _ in s.expected()}
    prefixes = {r[:3] for r in rules if r.startswith("RB")}
    assert {"RB1", "RB2", "RB3", "RB4", "RB5", "RB7"} <= prefixes
    assert any(not r.startswith("RB") and r[0].isupper() for r in rules), "no ruff (lint) scenario"
    assert any(r.islower() for r in rules), "no mypy (types) scenario"


def test_typescript_and_go_scenarios_cover_blocking_warning_and_clean_pull_requests():
    tsgo = [s for s in SCENARIOS if s.languages() & {"typescript", "go"}]
    assert len(tsgo) >= 20
    for language in ("typescript", "go"):
        mine = [s for s in tsgo if language in s.languages()]
        assert any(not s.expected() for s in mine), f"no clean {language} scenario"
        assert any("error" in s.expected_severities().values() for s in mine), f"no blocking {language} scenario"
    assert any(s.expected() and set(s.expected_severities().values()) == {"warning"} for s in tsgo), "no warning-only one"
    assert any({"typescript", "sql"} <= s.languages() for s in tsgo), "no TypeScript + migration scenario"
    assert all(len(s.expected_severities()) == len(s.expected()) for s in tsgo), "a TS/Go finding without severity"
    families = {rule[:3] for s in tsgo for rule, _, _ in s.expected()}
    assert {"RB1", "RB2", "RB3", "RB5", "RB7"} <= families


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_scenario_yields_exactly_its_expected_findings(scenario, tmp_path):
    repo, base, head = prepare(scenario, tmp_path)
    result = run_diff(repo, base, head)
    assert found_keys(result) == scenario.expected()
    severities = found_severities(result)
    assert {key: severities[key] for key in scenario.expected_severities()} == scenario.expected_severities()
    assert result["exit_code"] == (1 if any(f["severity"] == "error" for f in result["findings"]) else 0)


def test_demo_prints_the_review_as_it_would_be_posted_without_network():
    import subprocess
    import sys

    from tests.conftest import REPO_ROOT

    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith(("GITHUB_", "ANTHROPIC_"))}
    done = subprocess.run([sys.executable, str(REPO_ROOT / "fixtures" / "demo.py"), "012"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 1, done.stderr
    out = done.stdout
    assert "── inline comment on app/psp.py:151 " in out
    assert "151 |" in out and "^^^" in out
    assert "**RB302 unstable-idempotency-key** (error, high confidence, blocking)" in out
    assert "── summary comment " in out and "## ❌ reviewbot: gate failed" in out
    assert "nothing is posted" in out


def test_review_base_without_dry_run_is_a_usage_error(repo, cli):
    result = cli(["review", "--base", "main"], repo.path)
    assert result.exit_code == 2 and "--dry-run" in result.stderr
