"""Which engines the fork server imports for a change, decided before any analyzer starts.

Light on purpose (no configuration, no parser, no multiprocessing): the CLI asks it first thing for
the files named on its command line, so that the server starts importing while the CLI itself still
loads the pipeline, reads the configuration and collects the change.
"""

from __future__ import annotations

from collections.abc import Sequence

from reviewbot.analyzers.treesitter.pool import uses_pool

PYTHON_SUFFIXES = (".py", ".pyi")
# The suffixes each tree-sitter analyzer reads (its engine's LanguageSpec says which grammar parses which).
TYPESCRIPT_SUFFIXES = (".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs")
GO_SUFFIXES = (".go",)

PYTHON_ENGINE = "reviewbot.analyzers.python.engine"
TREESITTER_ENGINE = "reviewbot.analyzers.treesitter.engine"


def worker_preload(files: Sequence[tuple[str, str | None]], root: str, languages: Sequence[str], workers: int) -> list[str]:
    """The engines the fork server should import for these (path, staged text or None) files: Python's for
    any Python file (its files always run in workers), tree-sitter's when a language has enough source for
    its worker pool (`treesitter/pool.py`); none when no worker will run."""
    preload = []
    if "python" in languages and any(path.endswith(PYTHON_SUFFIXES) for path, _ in files):
        preload.append(PYTHON_ENGINE)
    for language, suffixes in (("typescript", TYPESCRIPT_SUFFIXES), ("go", GO_SUFFIXES)):
        if language in languages and uses_pool(workers, root, [f for f in files if f[0].endswith(suffixes)]):
            preload.append(TREESITTER_ENGINE)
            break
    return preload
