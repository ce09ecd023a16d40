"""The supervised worker pool: a job that kills or hangs its worker costs that job only (issue #15).

The jobs here really crash their process (a SIGSEGV, an abort) and really hang; nothing is simulated
inside the pool.
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
import time

from reviewbot.analyzers.workers import Lost, WorkerPool


def job(kind: str) -> str:
    if kind == "segfault":
        ctypes.string_at(0)  # a real invalid read, as a native parser's stack overflow is
    elif kind == "abort":
        os.abort()
    elif kind == "hang":
        time.sleep(3600)
    elif kind == "raise":
        raise ValueError("a bug in a rule")
    elif kind == "deep":
        return str(_depth(20_000))
    elif kind == "exit":
        os._exit(3)
    elif kind == "system-exit":
        sys.exit(3)
    elif kind == "pid":
        time.sleep(0.3)
        return str(os.getpid())
    elif kind.startswith("big:"):
        return f"done big {len(kind)}"
    return f"done {kind}"


def _depth(n: int) -> int:
    return 0 if n == 0 else 1 + _depth(n - 1)


def run_all(jobs: list[str], workers: int = 2, timeout: float = 30) -> dict[int, str | Lost]:
    with WorkerPool(workers, job, timeout) as pool:
        return dict(pool.map(jobs))


def test_a_job_that_kills_its_worker_is_lost_and_every_other_job_completes():
    jobs = ["a", "segfault", "b", "abort", "c", "d", "segfault", "e"]
    results = run_all(jobs)
    assert set(results) == set(range(len(jobs)))
    for index, kind in enumerate(jobs):
        if kind in ("segfault", "abort"):
            assert isinstance(results[index], Lost)
            assert ("SIGSEGV" if kind == "segfault" else "SIGABRT") in results[index].reason
        else:
            assert results[index] == f"done {kind}"


def test_a_job_that_hangs_is_stopped_at_the_time_limit_and_the_rest_complete():
    results = run_all(["a", "hang", "b", "c"], workers=1, timeout=1)
    assert isinstance(results[1], Lost) and "longer than 1 s" in results[1].reason
    assert [results[i] for i in (0, 2, 3)] == ["done a", "done b", "done c"]


def test_an_exception_or_exit_in_a_job_is_lost_with_its_reason():
    results = run_all(["raise", "exit", "system-exit", "ok"], workers=1)
    assert isinstance(results[0], Lost) and "ValueError: a bug in a rule" in results[0].reason
    assert isinstance(results[1], Lost) and "status 3" in results[1].reason
    assert isinstance(results[2], Lost)
    assert results[3] == "done ok"


def test_the_job_waiting_behind_one_that_kills_or_hangs_its_worker_is_run_not_lost():
    # One worker holds the job it runs and the next one; the next one is run again by a fresh worker.
    results = run_all(["a", "segfault", "b", "abort", "c", "hang", "d"], workers=1, timeout=1)
    assert [results[i] for i in (0, 2, 4, 6)] == ["done a", "done b", "done c", "done d"]
    assert all(isinstance(results[i], Lost) for i in (1, 3, 5))


def test_every_free_worker_gets_a_job_before_any_worker_gets_a_second():
    # Two jobs, two workers: one each, run side by side (not both queued in the first worker's pipe).
    results = run_all(["pid", "pid"], workers=2)
    assert len({results[0], results[1]}) == 2, results


def test_a_large_job_never_waits_in_the_pipe_of_a_hung_worker():
    # 4 MB does not fit in a pipe: sent behind a hung job, the send would block this process for good and
    # the time limit would never be enforced. It is sent once the hung worker is replaced.
    big = "big:" + "x" * 4_000_000
    results: dict[int, str | Lost] = {}
    runner = threading.Thread(target=lambda: results.update(run_all(["hang", big], workers=1, timeout=1)), daemon=True)
    runner.start()
    runner.join(30)
    assert not runner.is_alive(), "the pool blocked sending a large job to a hung worker"
    assert isinstance(results[0], Lost) and results[1] == f"done big {len(big)}"


def test_workers_recurse_far_deeper_than_the_default_limit():
    assert run_all(["deep"], workers=1) == {0: "20000"}


def test_no_worker_outlives_its_pool():
    with WorkerPool(2, job, 30) as pool:
        assert dict(pool.map(["a", "b", "c"])) == {0: "done a", 1: "done b", 2: "done c"}
        processes = [w.process for w in pool.workers]
    assert processes and not any(p.is_alive() for p in processes)
