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
        ("vendor.github-workflows", [".github/workflows/ci.yml", ".github/workflows/reviewbot.yml"]),
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
    assert workflow["permissions"] == {"contents": "read", "pull-requests": "write", "checks": "write"}
    steps = workflow["jobs"]["review"]["steps"]
    assert any(step.get("uses") == "./" for step in steps)


def test_action_installs_reviewbot_from_its_own_path_and_exposes_the_outputs():
    import yaml

    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    assert set(action["outputs"]) == {"verdict", "findings", "sarif"}
    assert action["inputs"]["github-token"]["default"] == "${{ github.token }}"
    runs = " ".join(step.get("run", "") for step in action["runs"]["steps"])
    assert "${{ github.action_path }}" in runs
