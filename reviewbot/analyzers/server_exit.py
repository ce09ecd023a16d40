"""Imported by the fork server alone, as the last module of its preload (`workers.start_fork_server`).

When its run ends, the server leaves without the interpreter's teardown: freeing libcst's classes and
every module one by one takes the server 50-60 ms after reviewbot itself has exited, and the server
holds a copy of reviewbot's stdout and stderr, so whatever captures them (a pre-commit hook, a CI step,
`reviewbot ... | tee`) waits for it. The server has nothing to flush or clean: it only forks workers,
and the workers it forks always leave by `os._exit` (multiprocessing's own), never through this handler.
"""

from __future__ import annotations

import atexit
import os

atexit.register(os._exit, 0)
