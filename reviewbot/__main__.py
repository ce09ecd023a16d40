"""`python -m reviewbot` and the `reviewbot` console script: the CLI, interruptible from the first instant."""

from __future__ import annotations

import os
import signal
from types import FrameType


def _interrupted_while_starting(signum: int, frame: FrameType | None) -> None:
    # Nothing has started yet: no child to stop, nothing written. Exit as a shell expects, silently.
    os.write(2, b"\nreviewbot: interrupted\n")
    os._exit(128 + signum)


def main() -> None:
    """Install a quiet Ctrl-C handler before the CLI's imports, then run the CLI (which installs its own)."""
    signal.signal(signal.SIGINT, _interrupted_while_starting)
    from reviewbot.cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
