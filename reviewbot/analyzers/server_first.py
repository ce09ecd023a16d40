"""Imported by the fork server alone, first of its preload (`workers.start_fork_server`).

No cyclic garbage collection while the server imports the engine: libcst's import alone creates about
50,000 objects, and the collections they set off cost about 5 % of the server's imports, which every
run with a worker waits for. server_last.py, imported last, turns the collector back on.
"""

from __future__ import annotations

import gc

gc.disable()
