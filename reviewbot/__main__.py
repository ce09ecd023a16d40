"""`python -m reviewbot` and the `reviewbot` console script: the CLI, interruptible from the first instant,
and quick to leave once it is done."""

from __future__ import annotations

import atexit
import itertools
import os
import signal
import sys
from types import FrameType

# The exit status of a run that ended normally (`sys.exit(status)` with an int), once it is known.
_FINISHED: list[int] = []


def _interrupted_while_starting(signum: int, frame: FrameType | None) -> None:
    # Nothing has started yet: no child to stop, nothing written. Exit as a shell expects, silently.
    os.write(2, b"\nreviewbot: interrupted\n")
    os._exit(128 + signum)


def _leave_without_teardown() -> None:
    """The last exit handler: flush the standard streams and leave, skipping the interpreter's teardown.

    Freeing every object and module one by one takes 15-60 ms once an engine is loaded, time in which
    the run's result is known and written. mypy leaves the same way (its `--fast-exit`, on by default).
    Every other exit handler has run by now (this one was registered first, and they run last-in
    first-out): multiprocessing's clean-up, temporary folders, the results cache are done. Nothing is
    skipped when the run ended otherwise (an uncaught exception is reported as Python reports it) or
    when a standard stream cannot be flushed (Python then reports that as it always does)."""
    if not _FINISHED:
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe, a closed stream
        return
    os._exit(_FINISHED[0])


def _start_workers_for_named_files(argv: list[str]) -> None:
    """`reviewbot audit FILE...`: start the fork server before the CLI's own imports (click, the
    configuration, the pipeline: 40-50 ms), with the engines the named files need, so that it has imported
    them by the time the run hands out its first file. A guess from the arguments alone (existing files
    among them, `-j`): the audit keeps the server if it preloaded what the run needs, and replaces or stops
    it if not (`cli._start_workers_early`, `pipeline.run`); other commands never start it here."""
    while argv and argv[0] == "--debug":
        argv = argv[1:]
    if not argv or argv[0] != "audit":
        return
    jobs = 0
    files: list[str] = []
    for previous, arg in itertools.pairwise(argv):
        if previous in ("-j", "--jobs") or arg.startswith(("--jobs=", "-j")):
            digits = arg.removeprefix("--jobs=").removeprefix("-j")
            jobs = int(digits) if digits.isdigit() else jobs
        elif not arg.startswith("-") and os.path.isfile(arg):
            files.append(arg)
    from reviewbot.analyzers.preload import named_files_preload

    preload = named_files_preload(files, jobs)
    if preload:
        from reviewbot.analyzers.workers import start_fork_server_early

        start_fork_server_early(preload)


def main() -> None:
    """Install a quiet Ctrl-C handler before the CLI's imports, then run the CLI (which installs its own)."""
    signal.signal(signal.SIGINT, _interrupted_while_starting)
    atexit.register(_leave_without_teardown)
    _start_workers_for_named_files(sys.argv[1:])
    from reviewbot.cli import main as cli_main

    try:
        cli_main()
    except SystemExit as leaving:
        if leaving.code is None or isinstance(leaving.code, int):  # a message is Python's to print
            _FINISHED.append(int(leaving.code or 0))
        raise
    _FINISHED.append(0)


if __name__ == "__main__":
    main()
