"""Imported by the fork server alone, last of its preload (`workers.start_fork_server`).

- What the server imported is frozen out of the garbage collector's reach (`gc.freeze`) and the
  collector, turned off by server_first.py, is turned back on: the workers forked from the server
  inherit the modules without ever traversing them in a collection.
- When its run ends, the server leaves without the interpreter's teardown: freeing libcst's classes
  and every module one by one takes the server 50-60 ms after reviewbot itself has exited, and the
  server holds a copy of reviewbot's stdout and stderr, so whatever captures them (a pre-commit hook,
  a CI step, `reviewbot ... | tee`) waits for it. The server has nothing to flush or clean: it only
  forks workers, and the workers it forks always leave by `os._exit` (multiprocessing's own), never
  through this handler.
"""

from __future__ import annotations

import atexit
import gc
import os

gc.freeze()
gc.enable()
atexit.register(os._exit, 0)
