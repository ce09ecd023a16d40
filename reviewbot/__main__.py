"""`python -m reviewbot` and the `reviewbot` console script: the CLI, interruptible from the first instant,
and quick to leave once it is done."""

from __future__ import annotations

import atexit
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


def main() -> None:
    """Install a quiet Ctrl-C handler before the CLI's imports, then run the CLI (which installs its own)."""
    signal.signal(signal.SIGINT, _interrupted_while_starting)
    atexit.register(_leave_without_teardown)
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
