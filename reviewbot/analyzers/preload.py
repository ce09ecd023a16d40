"""Which engines the fork server imports for a change, decided before any analyzer starts.

Light on purpose (no configuration, no parser, no multiprocessing): the CLI asks it first thing for
the files named on its command line, so that the server starts importing while the CLI itself still
loads the pipeline, reads the configuration and collects the change.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from reviewbot.analyzers.treesitter.languages import GO, TREESITTER_LANGUAGES, TYPESCRIPT
from reviewbot.analyzers.treesitter.pool import uses_pool
from reviewbot.core.jobs import effective_jobs

PYTHON_SUFFIXES = (".py", ".pyi")
# The suffixes each tree-sitter analyzer reads (its engine's LanguageSpec says which grammar parses which).
TYPESCRIPT_SUFFIXES = TYPESCRIPT.suffixes
GO_SUFFIXES = GO.suffixes

PYTHON_ENGINE = "reviewbot.analyzers.python.engine"


def worker_preload(
    files: Sequence[tuple[str, str | None]], root: str, languages: Collection[str] | None, workers: int
) -> list[str]:
    """The engines the fork server should import for these (path, staged text or None) files: Python's for
    any Python file (its files always run in workers), a tree-sitter language's when it has enough source
    for its worker pool (`treesitter/pool.py`); none when no worker will run. `languages` None: all of them
    (the CLI's guess before it reads the configuration)."""
    preload = []
    if (languages is None or "python" in languages) and any(path.endswith(PYTHON_SUFFIXES) for path, _ in files):
        preload.append(PYTHON_ENGINE)
    # A tree-sitter language's engine with its rules: a worker forked from a server that imported it starts
    # its first file at once instead of importing the rules first (each worker did, one beside the other).
    for language in TREESITTER_LANGUAGES:
        if (languages is None or language.name in languages) and uses_pool(
            workers, root, [f for f in files if f[0].endswith(language.suffixes)]
        ):
            preload.append(language.engine)
    return preload


def named_files_preload(paths: Sequence[str], jobs: int | None) -> list[str]:
    """What the files named on a command line need (relative to the working folder), before the run has read
    its configuration: every language counts as on (`-j`/`--jobs` as given, None for one worker per CPU);
    the run replaces the server if its configuration says otherwise (`workers.start_fork_server`)."""
    return worker_preload([(path, None) for path in paths], ".", None, effective_jobs(jobs or 0))
