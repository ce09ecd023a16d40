"""action.yml and the workflows validate against SchemaStore's schemas (vendored in check-jsonschema)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"


@pytest.mark.parametrize(
    ("schema", "files"),
    [
        ("vendor.github-actions", ["action.yml"]),
        ("vendor.github-workflows", sorted(str(p.relative_to(ROOT)) for p in (ROOT / ".github/workflows").glob("*.yml"))),
    ],
)
def test_action_and_workflows_match_the_schemastore_schemas(schema, files):
    done = subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", schema, *files],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_reviewbot_workflow_asks_only_for_the_permissions_it_needs():
    import yaml

    workflow = yaml.safe_load((ROOT / ".github/workflows/reviewbot.yml").read_text(encoding="utf-8"))
    assert workflow["permissions"] == {}
    job = workflow["jobs"]["review"]
    assert job["permissions"] == {"contents": "read", "pull-requests": "write", "checks": "write"}
    assert any(step.get("uses") == "./" for step in job["steps"])


def test_action_installs_reviewbot_from_its_own_path_and_exposes_the_outputs():
    import yaml

    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    assert set(action["outputs"]) == {"verdict", "findings", "sarif"}
    assert action["inputs"]["github-token"]["default"] == "${{ github.token }}"
    runs = " ".join(step.get("run", "") for step in action["runs"]["steps"])
    assert '"$GITHUB_ACTION_PATH"' in runs


# --------------------------------------------------------------------------- issue #14, point 8

import os  # noqa: E402
import re  # noqa: E402

import yaml  # noqa: E402

ZIZMOR = Path(sys.executable).parent / "zizmor"
WORKFLOWS = sorted((ROOT / ".github/workflows").glob("*.yml"))
PINNED_RE = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def _yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _steps(document: dict) -> list[dict]:
    if "runs" in document:
        return document["runs"]["steps"]
    return [step for job in document["jobs"].values() for step in job["steps"]]


def test_zizmor_finds_nothing_in_the_action_and_the_workflows_even_when_pedantic():
    done = subprocess.run(
        [str(ZIZMOR), "--offline", "--no-progress", "--persona=pedantic", "action.yml", ".github/workflows"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No findings" in done.stdout, done.stdout


@pytest.mark.parametrize("path", [ROOT / "action.yml", *WORKFLOWS], ids=lambda p: p.name)
def test_third_party_actions_are_pinned_by_commit_with_the_release_named(path):
    text = path.read_text(encoding="utf-8")
    for step in _steps(_yaml(path)):
        uses = step.get("uses", "")
        if not uses or uses.startswith("./"):
            continue
        assert PINNED_RE.match(uses), uses
        line = next(line for line in text.splitlines() if uses in line)
        assert re.search(r"# v\d+\.\d+\.\d+", line), f"{path.name}: say which release {uses} is"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflows_bound_their_time_and_runs_and_keep_no_credentials(path):
    workflow = _yaml(path)
    assert "concurrency" in workflow
    for name, job in workflow["jobs"].items():
        assert 0 < job["timeout-minutes"] <= 90, name
        for step in job["steps"]:
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False, name


def test_the_action_uses_nothing_outside_the_workspace_nor_writes_the_callers_environment():
    steps = _yaml(ROOT / "action.yml")["runs"]["steps"]
    for step in steps:
        values = [step.get("run", ""), *(str(v) for v in (step.get("with") or {}).values())]
        # e.g. setup-python's cache-dependency-path: refused for a path outside the workspace
        assert not any("github.action_path" in v for v in values), step["name"]
        assert "cache-dependency-path" not in (step.get("with") or {}), step["name"]
        assert not re.search(r">>\s*\"?\$\{?GITHUB_ENV", step.get("run", "")), step["name"]
    semgrep = next(s for s in steps if "semgrep" in s.get("run", "") and "pip" in s.get("run", ""))
    assert re.fullmatch(r"\d+\.\d+\.\d+", semgrep["env"]["SEMGREP_VERSION"])
    assert '"semgrep==${SEMGREP_VERSION}"' in semgrep["run"]


def _step_env(step: dict, inputs: dict[str, str]) -> dict[str, str]:
    env = {}
    for key, value in (step.get("env") or {}).items():
        match = re.fullmatch(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", str(value))
        env[key] = inputs.get(match.group(1), "") if match else str(value)
    return env


def test_the_action_used_by_path_reviews_another_repository_as_the_workflow_proves(tmp_path):
    """The workflow's own scripts, run here: the sample repository, then the action's review step on it."""
    workflow = _yaml(ROOT / ".github/workflows/action-from-another-repository.yml")
    steps = workflow["jobs"]["sample-repository"]["steps"]
    uses = [s for s in steps if s.get("uses") == "./action-under-test"]
    assert [s["id"] for s in uses] == ["failing", "clean"]
    build = next(s for s in steps if "git init" in s.get("run", ""))

    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (workspace / "action-under-test").symlink_to(ROOT, target_is_directory=True)
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}", "HOME": str(tmp_path),
           "GIT_CONFIG_NOSYSTEM": "1"}
    done = subprocess.run(["bash", "-c", build["run"]], cwd=workspace, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr

    action = _yaml(ROOT / "action.yml")
    review = next(s for s in action["runs"]["steps"] if s.get("id") == "review")
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    outcomes = {}
    for step in uses:
        inputs = {k: str(v["default"]) for k, v in action["inputs"].items() if "default" in v}
        inputs.update({k: str(v) for k, v in step["with"].items()})
        inputs["github-token"] = ""
        step_env = {**env, "RUNNER_TEMP": str(runner_temp), **_step_env(review, inputs)}
        ran = subprocess.run(["bash", "-e", "-c", review["run"]], cwd=workspace, env=step_env,
                             capture_output=True, text=True, timeout=600, check=False)
        outcomes[step["id"]] = (ran.returncode, ran.stdout + ran.stderr)
    assert outcomes["failing"][0] == 1, outcomes["failing"][1]
    assert "RB302" in outcomes["failing"][1]
    assert outcomes["clean"][0] == 0, outcomes["clean"][1]
