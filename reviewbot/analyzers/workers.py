"""Per-file work in supervised worker processes: a crash, a hang or an interrupt costs one file, not the run.

libcst's native parser recurses on the C stack: a 16 KB `x = a.b.b.b…` line or an 8,000-term `and`
chain overflows an 8 MB stack and the process dies with SIGSEGV (issue #15). No `except` can catch
that, so each file is parsed in a worker process that the parent watches:

- a worker that dies (a signal, an abort in native code) costs only the file it held, which comes back
  as `Lost`; a fresh worker takes the remaining files;
- a file that runs past its time budget has its worker killed, and comes back as `Lost`;
- workers run their jobs on a thread with a large stack and a high recursion limit, so a deeply nested
  but legitimate file is analysed rather than lost;
- workers never see SIGINT (it is blocked before they start): the parent stops them, so a Ctrl-C never
  prints a worker's traceback.

On Linux workers are forked from a fork server: a single-threaded process started once per run with
the engine imported, so a worker costs a fork (about 10 ms) yet never inherits a lock that one of the
parent's threads held at the moment of the fork (a plain fork did: a worker that then imported a codec
waited forever on the import lock another analyzer's thread had held). Elsewhere workers are spawned.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.context import ForkServerContext, SpawnContext
from multiprocessing.process import BaseProcess
from multiprocessing.reduction import ForkingPickler
from typing import Generic, TypeVar

from reviewbot.analyzers import processes

JobT = TypeVar("JobT")
ResultT = TypeVar("ResultT")

# Address space reserved for the job thread; only the pages a deep file touches are ever used.
WORKER_STACK_BYTES = 512 * 1024 * 1024
# libcst's visitors and our rules recurse a few Python frames per nesting level; 100k frames stay well
# inside the stack above (each costs at most a few KB of C stack).
WORKER_RECURSION_LIMIT = 100_000
STOP_GRACE_SECONDS = 1.0  # how long a worker may take to leave after being told to
ORPHAN_CHECK_SECONDS = 0.5
MAX_FAILED_STARTS = 3  # workers that die before taking any job: something is wrong with the platform
HELD_JOBS = 2  # per worker: the job it runs and the next one, waiting in its pipe
QUEUED_JOB_BYTES = 16 * 1024  # a job larger than this is not left waiting in a pipe (pipes hold 64 KB)


@dataclass(frozen=True, slots=True)
class Lost:
    """A job that produced no result: its worker died, or it ran out of time."""

    reason: str


Context = ForkServerContext | SpawnContext


# Imported once in the fork server, so that each worker forked from it starts with them loaded.
FORKSERVER_PRELOAD = ("reviewbot.analyzers.python.engine",)
# Imported by the fork server only, before and after its preload (server_first.py, server_last.py).
SERVER_FIRST = "reviewbot.analyzers.server_first"
SERVER_LAST = "reviewbot.analyzers.server_last"


def pool_context() -> Context:
    """A fork server where there is one (Linux), spawn elsewhere."""
    if sys.platform.startswith("linux"):
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(_server_preload(FORKSERVER_PRELOAD))
        return context
    return multiprocessing.get_context("spawn")


def _server_preload(modules: Sequence[str]) -> list[str]:
    """What the fork server imports: `modules`, with the garbage collector off, then frozen; and the
    module that makes it leave without teardown (server_first.py, server_last.py)."""
    return [SERVER_FIRST, *modules, SERVER_LAST]


# The modules the running fork server imported, and whether it was started before the run knew its files
# (`start_fork_server_early`) and no run has claimed it yet.
_SERVER_PRELOAD: tuple[str, ...] = ()
_SERVER_SPECULATIVE = False
_SERVER: _ForkServerProcess | None = None  # tracked by `processes` while it runs


class _ForkServerProcess:
    """The fork server as `processes` tracks it: an interrupt kills it even while it is still importing."""

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:  # it has already left
            pass


def _server_pid() -> int | None:
    """The running fork server's pid (multiprocessing keeps it private: its stub does not declare it)."""
    from multiprocessing import forkserver

    pid = getattr(forkserver._forkserver, "_forkserver_pid", None)
    return pid if isinstance(pid, int) else None


def server_running() -> bool:
    """Whether this process has started a fork server that is still running."""
    return _server_pid() is not None


def start_fork_server_early(preload: Sequence[str] = FORKSERVER_PRELOAD) -> None:
    """Start the fork server at the start of a command, before the change set is known.

    Its imports (libcst and the rules, about 0.3 s) then run beside the command's own start (the CLI,
    the configuration, git) instead of after it. `start_fork_server`, called once the run knows its
    files, keeps it when it preloaded what the run needs and replaces or stops it otherwise.
    """
    global _SERVER_SPECULATIVE
    if server_running():
        return
    if start_fork_server(preload):
        _SERVER_SPECULATIVE = True


def start_fork_server(preload: Sequence[str] = FORKSERVER_PRELOAD) -> bool:
    """Start the fork server now, from the main thread, with SIGINT ignored from its first instruction.

    A Ctrl-C reaches the whole process group. Started lazily from an analyzer's thread, the fork server
    would take SIGINT's default handler while CPython starts and while it imports the engine, and print a
    KeyboardInterrupt traceback of its own. An ignored disposition survives exec (a blocked mask does not:
    the spawn clears it), so it is set around the spawn; SIGINT is blocked meanwhile, so a Ctrl-C in that
    window reaches reviewbot's own handler once the mask is restored. Elsewhere this does nothing.

    A server started early (`start_fork_server_early`) that lacks a module of `preload` is replaced; with
    an empty `preload` it is stopped, since the run needs no worker of its kind. Whether a server runs.
    """
    global _SERVER, _SERVER_PRELOAD, _SERVER_SPECULATIVE
    if not sys.platform.startswith("linux") or threading.current_thread() is not threading.main_thread():
        return False
    from multiprocessing import forkserver, resource_tracker

    wanted = tuple(preload)
    running = _server_pid()
    if running is not None and _SERVER_SPECULATIVE:
        _SERVER_SPECULATIVE = False
        if not wanted or not set(wanted) <= set(_SERVER_PRELOAD):
            _stop_fork_server(running)
            running = None
    if not wanted:
        return running is not None
    # The modules the run's workers will need and this one (each worker runs its `_serve`).
    pool_context().set_forkserver_preload(_server_preload((*wanted, __name__)))
    # The resource tracker first, outside the window below: starting it unblocks SIGINT on its way out
    # (multiprocessing protects its own child so), and a Ctrl-C that then arrived while SIGINT was
    # ignored here was lost: the run went on as if nothing had been pressed.
    resource_tracker.ensure_running()
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    handler = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        forkserver.ensure_running()
    finally:
        signal.signal(signal.SIGINT, handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    started = _server_pid()
    if started is not None and started != running:
        _SERVER_PRELOAD = wanted
        _forget_server()
        _SERVER = _ForkServerProcess(started)
        processes.track(_SERVER)
    return started is not None


def _forget_server() -> None:
    """Stop tracking a server that has gone (its pid may be reused by an unrelated process)."""
    global _SERVER
    if _SERVER is not None:
        processes.untrack(_SERVER)
        _SERVER = None


def _stop_fork_server(pid: int) -> None:
    """Kill a fork server no worker has used yet (it may still be importing) and forget it."""
    from multiprocessing import forkserver

    _ForkServerProcess(pid).kill()
    _forget_server()
    # multiprocessing's own stop (private, as above): closes its pipe, reaps it, removes its socket.
    stop: Callable[[], None] | None = getattr(forkserver._forkserver, "_stop", None)
    if stop is not None:
        stop()


def _no_setup() -> None:
    """The default worker set-up (a module-level function: spawned workers receive it pickled)."""


def _serve(
    conn: Connection,
    initializer: Callable[..., object],
    initargs: tuple[object, ...],
    run: Callable[[JobT], ResultT],
) -> None:
    """A worker's main: set up, then run jobs on a large-stack thread until told to stop."""
    if hasattr(signal, "SIGINT"):
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us; never a traceback here
    initializer(*initargs)
    try:
        threading.stack_size(WORKER_STACK_BYTES)
    except (ValueError, RuntimeError):  # a platform that caps thread stacks: keep its default
        pass
    sys.setrecursionlimit(WORKER_RECURSION_LIMIT)
    thread = threading.Thread(target=_loop, args=(conn, run), name="reviewbot-job", daemon=True)
    thread.start()
    # An orphan never outlives its run: a forked sibling may hold this worker's pipe open, so the
    # parent's exit is not always an EOF here; a changed parent pid is.
    parent = os.getppid()
    while thread.is_alive():
        thread.join(ORPHAN_CHECK_SECONDS)
        if os.getppid() != parent:
            os._exit(0)


def _loop(conn: Connection, run: Callable[[JobT], ResultT]) -> None:
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):  # the parent has gone
            return
        if message is None:
            return
        index, job = message
        outcome: object
        # Per-file isolation (STYLE.md §7): whatever `run` raises costs this job only.
        try:
            outcome = run(job)
        except Exception as err:  # noqa: BLE001
            outcome = Lost(f"{type(err).__name__}: {err}")
        try:
            conn.send((index, outcome))
        except (OSError, ValueError):  # the parent has gone
            return


class _Worker:
    def __init__(self, process: BaseProcess, conn: Connection) -> None:
        self.process = process
        self.conn = conn
        # The jobs sent and not answered, in order: the first runs, the next waits in the pipe (a worker
        # runs one job at a time, so a death or a hang belongs to the first).
        self.held: deque[int] = deque()
        self.deadline = 0.0  # of the first held job


def describe_exit(exitcode: int | None) -> str:
    """`was killed by SIGSEGV` / `exited with status 1`."""
    if exitcode is None:
        return "stopped answering"
    if exitcode < 0:
        try:
            return f"was killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"was killed by signal {-exitcode}"
    return f"exited with status {exitcode}"


class WorkerPool(Generic[JobT, ResultT]):
    """`size` supervised workers, each running `run(job)` on one job at a time."""

    def __init__(
        self,
        size: int,
        run: Callable[[JobT], ResultT],
        timeout_seconds: float,
        initializer: Callable[..., object] = _no_setup,
        initargs: tuple[object, ...] = (),
        context: Context | None = None,
    ) -> None:
        self.size = max(1, size)
        self.run_job = run
        self.timeout_seconds = timeout_seconds
        self.initializer = initializer
        self.initargs = initargs
        self.context = context or pool_context()
        self.workers: list[_Worker] = []
        self.restarts = 0

    def __enter__(self) -> WorkerPool[JobT, ResultT]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self) -> _Worker:
        parent, child = self.context.Pipe(duplex=True)
        process = self.context.Process(
            target=_serve, args=(child, self.initializer, self.initargs, self.run_job), daemon=True
        )
        # A worker starts with SIGINT blocked (the mask is inherited through fork and exec), so a
        # Ctrl-C that reaches the process group before the worker ignores it cannot raise in it.
        blocked = hasattr(signal, "pthread_sigmask")
        if blocked:
            previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            process.start()
        finally:
            if blocked:
                signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        child.close()
        processes.track(process)
        worker = _Worker(process, parent)
        self.workers.append(worker)
        return worker

    def _retire(self, worker: _Worker) -> None:
        """Kill a worker (dead, hung or no longer needed) and forget it."""
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(STOP_GRACE_SECONDS)
        processes.untrack(worker.process)
        worker.conn.close()
        self.workers.remove(worker)

    def map(self, jobs: Sequence[JobT]) -> Iterator[tuple[int, ResultT | Lost]]:
        """(index into `jobs`, its result or Lost), in the order jobs finish.

        Each worker holds up to two jobs: the one it runs and the next, already in its pipe, so it never
        waits for this process between two files (on 1,300 small Go files that wait was a fifth of the
        run). Only a small job waits in a pipe: a large one (staged text) is sent when its worker is free,
        so a send never blocks this process while a worker hangs."""
        queue = deque(range(len(jobs)))
        encoded: dict[int, bytes | memoryview] = {}  # a large job pickled while its worker was busy
        while len(self.workers) < min(self.size, len(jobs)):
            self._start()
        failed_starts = 0
        while queue or any(w.held for w in self.workers):
            for depth in range(1, HELD_JOBS + 1):  # every free worker gets a job before any gets a second
                for worker in list(self.workers):
                    if not queue or len(worker.held) >= depth or worker not in self.workers:
                        continue
                    index = queue[0]
                    message = encoded.pop(index, None) or ForkingPickler.dumps((index, jobs[index]))
                    if worker.held and len(message) > QUEUED_JOB_BYTES:
                        encoded[index] = message
                        continue  # sent when a worker is free
                    queue.popleft()
                    try:
                        worker.conn.send_bytes(message)
                    except (OSError, ValueError):
                        queue.appendleft(index)
                        if worker.held:  # it died running its job: the wait below reports that job
                            continue
                        # It died between jobs: replace it.
                        self._retire(worker)
                        failed_starts += 1
                        if failed_starts > MAX_FAILED_STARTS:
                            while queue:
                                yield queue.popleft(), Lost("worker processes could not be started")
                            return
                        self._start()
                        continue
                    if not worker.held:
                        worker.deadline = time.monotonic() + self.timeout_seconds
                    worker.held.append(index)
            busy = [w for w in self.workers if w.held]
            if not busy:
                continue
            wait_for = max(0.0, min(w.deadline for w in busy) - time.monotonic())
            ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=wait_for))
            for worker in busy:
                index = worker.held[0]
                outcome: ResultT | Lost | None = None
                lost = False
                if worker.conn in ready:
                    try:
                        got_index, result = worker.conn.recv()
                    except (EOFError, OSError):  # it died while answering
                        worker.process.join(STOP_GRACE_SECONDS)
                        outcome = Lost(f"the worker process {describe_exit(worker.process.exitcode)}")
                        lost = True
                    else:
                        assert got_index == index  # a worker answers its jobs in order
                        outcome = result
                        worker.held.popleft()
                        # The next held job started as this one finished.
                        worker.deadline = time.monotonic() + self.timeout_seconds
                elif worker.process.sentinel in ready:
                    worker.process.join(STOP_GRACE_SECONDS)
                    outcome = Lost(f"the worker process {describe_exit(worker.process.exitcode)}")
                    lost = True
                elif time.monotonic() >= worker.deadline:
                    outcome = Lost(f"it took longer than {self.timeout_seconds:g} s (file-timeout-seconds)")
                    lost = True
                if outcome is None:
                    continue
                if lost:  # the job it ran is lost; the one waiting behind it goes back to the queue
                    worker.held.popleft()
                    queue.extendleft(reversed(worker.held))
                    worker.held.clear()
                    self._retire(worker)
                    self.restarts += 1
                    if queue:
                        self._start()
                yield index, outcome

    def close(self) -> None:
        """Tell idle workers to leave; kill the rest."""
        for worker in self.workers:
            if not worker.held:
                try:
                    worker.conn.send(None)
                except (OSError, ValueError):
                    continue
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for worker in list(self.workers):
            if not worker.held:
                worker.process.join(max(0.0, deadline - time.monotonic()))
            self._retire(worker)
