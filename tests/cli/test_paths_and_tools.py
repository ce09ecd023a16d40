"""One path convention for every tool, and tool paths resolved where the user meant them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

REVIEWBOT = Path(sys.executable).parent / "reviewbot"
HANDLER = "import os\n\n\ndef refund(order):\n    try:\n        order.refund()\n    except:\n        pass\n"


def _json_findings(stdout: str) -> list[dict]:
    return json.loads(stdout)["findings"]


def test_ruff_run_from_a_sibling_directory_reports_the_paths_our_rules_report(tmp_path, cli):
    project = tmp_path / "project"  # not a git repository: paths are relative to where reviewbot runs
    (project / "app").mkdir(parents=True)
    (project / "app" / "refunds.py").write_text(HANDLER, encoding="utf-8")
    (project / "scripts").mkdir()
    result = cli(["audit", "../app", "--tools", "ruff", "--format", "json", "-q"], project / "scripts")
    findings = _json_findings(result.stdout)
    by_tool = {(f["tool"], f["rule"]): f["path"] for f in findings}
    assert by_tool[("reviewbot", "RB201")] == "../app/refunds.py"
    assert by_tool[("ruff", "F401")] == "../app/refunds.py"  # not /tmp/.../app/refunds.py
    assert not any(os.path.isabs(f["path"]) for f in findings)
    # One defect, one finding: ruff's E722 and S110 on the same handler are dropped for our RB201.
    assert ("ruff", "E722") not in by_tool and ("ruff", "S110") not in by_tool, findings


def test_a_baseline_recorded_from_a_subdirectory_matches_every_tools_findings(repo, cli):
    repo.write("app/refunds.py", HANDLER)
    repo.commit("legacy")
    (repo.path / "docs").mkdir()
    cli(["baseline", "../app", "--tools", "ruff", "-q"], repo.path / "docs")
    result = cli(["audit", "../app", "--tools", "ruff", "--format", "json", "-q"], repo.path / "docs")
    document = json.loads(result.stdout)
    assert result.exit_code == 0, result.stdout
    assert document["findings"] == [] and document["stats"]["baselined"] == 2  # RB201 and ruff's F401


def test_a_relative_command_in_the_configuration_is_relative_to_the_configuration_file(repo, cli):
    repo.write("app/refunds.py", HANDLER)
    (repo.path / "tools").mkdir()
    (repo.path / "tools" / "ruff").symlink_to(Path(sys.executable).parent / "ruff")
    repo.write("ci/reviewbot.toml", '[ruff]\ncommand = "../tools/ruff"\n')
    repo.commit("base")
    result = cli(["audit", "--config", "ci/reviewbot.toml", "--tools", "ruff", "--format", "json", "-q"], repo.path)
    assert result.exit_code == 1, result.stderr
    assert any(f["rule"] == "F401" for f in _json_findings(result.stdout))


def _semgrep() -> Path:
    configured = os.environ.get("REVIEWBOT_SEMGREP", "").strip()
    candidate = Path(configured).resolve() if configured else REPO_ROOT / ".venv-semgrep" / "bin" / "semgrep"
    if not candidate.is_file():
        pytest.fail("semgrep is needed: python3 -m venv .venv-semgrep && .venv-semgrep/bin/pip install semgrep")
    return candidate


def test_a_relative_semgrep_path_is_relative_to_where_reviewbot_was_started(tmp_path, repo):
    """The README's `REVIEWBOT_SEMGREP=.venv-semgrep/bin/semgrep …`: the tool runs in the repository root."""
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "semgrep").symlink_to(_semgrep())
    repo.write("api/refunds.ts", "export function refund(amount: string) {\n  return parseFloat(amount);\n}\n")
    # semgrep runs the team's own configs (reviewbot's TypeScript rules need no semgrep).
    repo.write("pyproject.toml", "[tool.reviewbot.semgrep]\nconfigs = ['semgrep.yml']\n")
    repo.write("semgrep.yml", "rules:\n  - id: parse-float\n    languages: [typescript]\n    severity: WARNING\n"
                              "    message: parseFloat\n    pattern: parseFloat(...)\n")
    repo.commit("base")
    env = {**os.environ, "REVIEWBOT_SEMGREP": "bin/semgrep", "SEMGREP_SEND_METRICS": "off",
           "SEMGREP_ENABLE_VERSION_CHECK": "0"}
    done = subprocess.run([str(REVIEWBOT), "audit", str(repo.path / "api"), "--tools", "semgrep", "--format", "json",
                           "-q"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode in (0, 1), done.stderr
    assert json.loads(done.stdout)["stats"]["analyzers"]["semgrep"]["files"] == 1
