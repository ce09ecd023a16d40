"""The console script leaves without the interpreter's teardown once its run is done (`__main__.py`),
and loses nothing by it: the exit status, every byte of the report, the exit handlers' clean-up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run(args: list[str], cwd: Path, tmpdir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TMPDIR": str(tmpdir), "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "reviewbot", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_a_long_report_to_a_pipe_is_complete_and_the_status_is_kept(tmp_path):
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    project = tmp_path / "project"
    project.mkdir()
    # Hundreds of findings: far more report than any buffer holds when the process leaves.
    lines = [f"def refund_{i}(amount: float) -> float:\n    return amount * 1.{i:03d}\n" for i in range(300)]
    (project / "payments.py").write_text("".join(lines), encoding="utf-8")
    (project / "clean.py").write_text("def total(cents: int) -> int:\n    return cents\n", encoding="utf-8")

    blocked = run(["audit", "payments.py", "--tools", "none", "--format", "json", "--no-cache", "--fail-on", "warning"], project, tmpdir)
    assert blocked.returncode == 1, blocked.stderr
    report = json.loads(blocked.stdout)
    assert len(blocked.stdout) > 64 * 1024
    assert len(report["findings"]) >= 300

    clean = run(["audit", "clean.py", "--tools", "none", "--no-cache"], project, tmpdir)
    assert clean.returncode == 0, clean.stderr
    assert "gate passed" in clean.stdout

    usage = run(["audit", "missing.py", "--tools", "none"], project, tmpdir)
    assert usage.returncode == 2
    assert "does not exist" in usage.stderr


def test_the_exit_handlers_still_run_before_it_leaves(tmp_path):
    # multiprocessing removes the folder of its fork server's socket in an exit handler: it is gone.
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    (tmp_path / "a.py").write_text("amount: float = 19.99\n", encoding="utf-8")
    (tmp_path / "b.py").write_text("fee: float = 0.3\n", encoding="utf-8")
    done = run(["audit", "a.py", "b.py", "--tools", "none", "--no-cache", "-j", "2", "--fail-on", "warning"], tmp_path, tmpdir)
    assert done.returncode == 1, done.stderr
    assert sorted(p.name for p in tmpdir.iterdir()) == []
