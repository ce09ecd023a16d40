"""`reviewbot audit FILE...` starts the fork server before the CLI's imports, with what the files need."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
GO_ENGINE = "reviewbot.analyzers.go.engine"

SCRIPT = """
import json, sys
sys.path.insert(0, {repo!r})
from reviewbot.__main__ import _start_workers_for_named_files
from reviewbot.analyzers import workers
_start_workers_for_named_files({argv!r})
print(json.dumps({{"preload": list(workers._SERVER_PRELOAD), "server": workers._server_pid() is not None,
                   "cli": "reviewbot.cli" in sys.modules, "config": "reviewbot.config" in sys.modules}}))
"""


def _early(tmp_path: Path, argv: list[str]) -> dict[str, object]:
    code = SCRIPT.format(repo=str(REPO), argv=argv)
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=True)
    return dict(json.loads(out.stdout))


@pytest.fixture
def go_files(tmp_path: Path) -> list[str]:
    from reviewbot.analyzers.treesitter.pool import MIN_BYTES_FOR_POOL

    for name in ("a.go", "b.go"):
        (tmp_path / name).write_text("package p\n" + "// x\n" * (MIN_BYTES_FOR_POOL // 8), encoding="utf-8")
    return ["a.go", "b.go"]


def test_named_files_with_enough_source_start_the_server_with_their_engine(tmp_path, go_files):
    started = _early(tmp_path, ["audit", *go_files, "--config", "reviewbot.toml", "-q"])
    # Started before the CLI or the configuration were imported.
    assert started == {"preload": [GO_ENGINE], "server": True, "cli": False, "config": False}
    assert _early(tmp_path, ["--debug", "audit", "--jobs", "2", *go_files])["preload"] == [GO_ENGINE]


@pytest.mark.parametrize(
    "argv",
    [
        ["audit", "a.go", "b.go", "-j", "1"],  # one worker: analysed in the CLI's process
        ["audit", "--jobs=1", "a.go", "b.go"],
        ["audit", "-j1", "a.go", "b.go"],
        ["audit", "a.go"],  # one file
        ["audit", "missing.go", "other.go"],  # no such files
        ["explain", "RB212"],
        ["diff", "--base", "main"],
        [],
    ],
)
def test_other_commands_and_runs_without_a_pool_start_nothing(tmp_path, go_files, argv):
    assert _early(tmp_path, argv) == {"preload": [], "server": False, "cli": False, "config": False}


def test_the_cli_keeps_the_server_main_started_without_working_out_its_preload_again(tmp_path, go_files):
    code = f"""
import json, os, sys
sys.path.insert(0, {str(REPO)!r})
from pathlib import Path
from reviewbot.__main__ import _start_workers_for_named_files
from reviewbot.analyzers import workers
_start_workers_for_named_files(["audit", "a.go", "b.go"])
first = workers._server_pid()
from reviewbot.analyzers import preload
def asked(*args):
    raise AssertionError("the CLI worked out the preload again")
preload.worker_preload = asked
from reviewbot.cli import _start_workers_early
_start_workers_early([Path("a.go"), Path("b.go")], None)
print(json.dumps([first is not None, workers._server_pid() == first]))
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(out.stdout) == [True, True]
