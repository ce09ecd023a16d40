"""Whether the tree-sitter analyzers run their files in worker processes or in their own thread.

Kept apart from the engine so that the pipeline can decide, before any analyzer starts, whether the
fork server must preload the engine, without importing tree-sitter itself.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

# Below this much source a process pool costs more (start-up, imports) than it saves: tree-sitter
# parses and queries ~4 MB of TypeScript per second per core, a worker costs ~0.2 s to start.
MIN_BYTES_FOR_POOL = 1_500_000


def source_bytes(root: str, files: Iterable[tuple[str, str | None]], enough: int | None = None) -> int:
    """The bytes of (path, staged text or None) files; an unreadable file counts nothing here. With
    `enough`, counting stops once the total reaches it (the sizes of the other files are not asked)."""
    total = 0
    for path, text in files:
        if enough is not None and total >= enough:
            break
        if text is not None:
            total += len(text)
            continue
        try:
            total += os.path.getsize(os.path.join(root, path))
        except OSError:
            continue  # reported as unreadable when its job runs
    return total


def uses_pool(workers: int, root: str, files: Iterable[tuple[str, str | None]]) -> bool:
    """Whether files are worth a worker pool: more than one worker and file, and enough source."""
    listed = list(files)
    return (
        workers > 1 and len(listed) > 1
        and source_bytes(root, listed, enough=MIN_BYTES_FOR_POOL) >= MIN_BYTES_FOR_POOL
    )
