"""The fork server started early (before a run knows its files) is kept, replaced or stopped once it does.

Each case runs in a fresh interpreter: the fork server is per process, and this test process may already
run one for other tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PYTHON_ENGINE = "reviewbot.analyzers.python.engine"
TREESITTER_ENGINE = "reviewbot.analyzers.treesitter.engine"


def engines_loaded(_job: int) -> list[str]:
    """A worker's job: which engines its process holds (a worker imports neither itself)."""
    return [name for name in (PYTHON_ENGINE, TREESITTER_ENGINE) if name in sys.modules]


def server_leaves_quickly(_job: int) -> bool:
    """A worker's job: whether the fork server it was forked from imported server_last.py (it leaves
    without teardown) and left the collector on, with what it imported frozen."""
    import gc

    return "reviewbot.analyzers.server_last" in sys.modules and gc.isenabled() and gc.get_freeze_count() > 10_000


SCRIPT = """
import json, os, sys
sys.path.insert(0, {repo!r})
from reviewbot.analyzers import processes, workers
from tests.analyzers.test_workers import engines_loaded, server_leaves_quickly

def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True

workers.start_fork_server_early()
early = workers._server_pid()
running = workers.start_fork_server({preload!r})
now = workers._server_pid()
loaded = quick = None
if running:
    with workers.WorkerPool(1, engines_loaded, 60) as pool:
        loaded = dict(pool.map([0]))[0]
    with workers.WorkerPool(1, server_leaves_quickly, 60) as pool:
        quick = dict(pool.map([0]))[0]
print(json.dumps({{"early": early, "now": now, "early_alive": alive(early), "loaded": loaded, "quick": quick,
                  "here": workers.SERVER_LAST in sys.modules or workers.SERVER_FIRST in sys.modules, "tracked": processes.stop_all()}}))
"""


def run_case(preload: tuple[str, ...]) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(repo=str(REPO), preload=preload)],
        cwd=REPO, capture_output=True, text=True, timeout=120, check=True,
    )
    result: dict[str, object] = json.loads(out.stdout)
    return result


def test_a_run_that_needs_the_python_engine_keeps_the_early_server_and_its_workers_have_the_engine():
    result = run_case((PYTHON_ENGINE,))
    assert isinstance(result["early"], int)
    assert result["now"] == result["early"]
    assert result["loaded"] == [PYTHON_ENGINE]
    assert result["tracked"] == 1  # an interrupt would stop it
    # The server leaves without the interpreter's teardown; the process that runs reviewbot never
    # loads that module (it would make every run exit 0).
    assert result["quick"] is True and result["here"] is False


def test_a_run_that_needs_another_engine_gets_a_server_that_preloaded_it_and_the_early_one_is_gone():
    result = run_case((TREESITTER_ENGINE,))
    assert isinstance(result["now"], int) and result["now"] != result["early"]
    assert result["early_alive"] is False
    assert result["loaded"] == [TREESITTER_ENGINE]
    assert result["tracked"] == 1  # the new server only: the old pid is no longer ours to kill
    assert result["quick"] is True and result["here"] is False


def test_a_run_that_needs_no_worker_stops_the_early_server():
    result = run_case(())
    assert isinstance(result["early"], int)
    assert result["now"] is None
    assert result["early_alive"] is False
    assert result["tracked"] == 0


def test_an_interrupt_while_the_early_server_imports_stops_it():
    code = f"""
import os, sys
sys.path.insert(0, {str(REPO)!r})
from reviewbot.analyzers import processes, workers
workers.start_fork_server_early()
pid = workers._server_pid()
print(processes.stop_all(), os.waitpid(pid, 0)[1] & 0x7f)
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60, check=True)
    stopped, signal_number = out.stdout.split()
    assert stopped == "1"
    assert int(signal_number) == 9  # killed at once (SIGKILL), not left to finish its imports


def _files(tmp_path: Path, sizes: dict[str, int]) -> list[tuple[str, str | None]]:
    for name, size in sizes.items():
        (tmp_path / name).write_bytes(b"x" * size)
    return [(name, None) for name in sizes]


def test_the_engines_preloaded_are_those_whose_workers_will_run(tmp_path):
    from reviewbot.analyzers.preload import worker_preload
    from reviewbot.analyzers.treesitter.pool import MIN_BYTES_FOR_POOL
    from reviewbot.config import LANGUAGES

    typescript, go = "reviewbot.analyzers.typescript.engine", "reviewbot.analyzers.go.engine"
    half = MIN_BYTES_FOR_POOL // 2 + 1
    root = str(tmp_path)
    every = LANGUAGES
    # Python files always run in workers.
    assert worker_preload(_files(tmp_path, {"a.py": 10}), root, every, 2) == [PYTHON_ENGINE]
    assert worker_preload(_files(tmp_path, {"a.py": 10}), root, ("typescript",), 2) == []
    # TypeScript and Go run in workers only with more than one file, one worker and enough source; the
    # server then imports that language's engine with its rules.
    small = _files(tmp_path, {"a.ts": 100, "b.ts": 100})
    assert worker_preload(small, root, every, 2) == []
    large = _files(tmp_path, {"c.ts": half, "d.tsx": half})
    assert worker_preload(large, root, every, 2) == [typescript]
    assert worker_preload(large, root, every, 1) == []
    assert worker_preload(large, root, ("go", "python"), 2) == []
    assert worker_preload(_files(tmp_path, {"big.go": 2 * MIN_BYTES_FOR_POOL}), root, every, 2) == []
    # Each language decides alone: half the threshold of each is no pool for either.
    mixed = _files(tmp_path, {"e.ts": half, "f.go": half})
    assert worker_preload(mixed, root, every, 2) == []
    # Staged text counts as it is; a file that cannot be read counts nothing.
    staged = [("g.go", "x" * half), ("h.go", "y" * half), ("missing.go", None)]
    assert worker_preload(staged, root, every, 2) == [go]
    both = _files(tmp_path, {"i.py": 1, "j.go": half, "k.go": half})
    assert worker_preload(both, root, every, 2) == [PYTHON_ENGINE, go]
    # Two languages with enough source each: both engines. No languages given (the CLI's guess before it
    # reads the configuration): every language counts.
    two = [*large, *staged[:2], ("l.py", "")]
    assert worker_preload(two, root, every, 2) == [PYTHON_ENGINE, typescript, go]
    assert worker_preload(two, root, None, 2) == [PYTHON_ENGINE, typescript, go]
    assert worker_preload(two, root, ("go",), 2) == [go]


def test_a_ctrl_c_while_the_helper_processes_start_reaches_reviewbots_handler():
    # A Ctrl-C that arrives while the resource tracker or the fork server is being started (simulated: each
    # spawn is followed at once by a SIGINT to this process) must reach the handler, never be dropped.
    # It was: starting the resource tracker inside the window where SIGINT is ignored unblocked it there.
    code = f"""
import os, signal, sys, time
sys.path.insert(0, {str(REPO)!r})
from multiprocessing import util
from reviewbot.analyzers import processes, workers
handled = []
signal.signal(signal.SIGINT, lambda signum, frame: handled.append(signum))
spawn = util.spawnv_passfds
def spawn_then_interrupt(*args):
    pid = spawn(*args)
    os.kill(os.getpid(), signal.SIGINT)
    return pid
util.spawnv_passfds = spawn_then_interrupt
workers.start_fork_server_early()
for _ in range(200):
    if len(handled) >= 2:
        break
    time.sleep(0.01)
processes.stop_all()
print(len(handled))
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.split() == ["2"], out.stdout + out.stderr  # the tracker's start and the server's


def test_counting_source_bytes_stops_once_there_is_enough(tmp_path):
    from reviewbot.analyzers.treesitter.pool import source_bytes

    files = [("a.ts", "x" * 10), ("b.ts", "y" * 10), ("c.ts", "z" * 10)]
    assert source_bytes(str(tmp_path), files) == 30
    assert source_bytes(str(tmp_path), files, enough=15) == 20  # c.ts is never counted
    assert source_bytes(str(tmp_path), files, enough=30) == 30


def test_jobs_are_the_cpus_this_process_may_use_bounded_by_the_request():
    from reviewbot.core.jobs import cpu_count, effective_jobs

    cpus = cpu_count()
    assert cpus == len(os.sched_getaffinity(0))
    assert effective_jobs(0) == cpus  # 0: one per CPU
    assert effective_jobs(1) == 1
    assert effective_jobs(cpus + 7) == cpus  # more workers than CPUs would only cost memory
