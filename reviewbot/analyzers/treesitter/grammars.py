"""The tree-sitter grammars reviewbot parses with, loaded once per process, and a parser per grammar.

The grammars are the published PyPI wheels (`tree-sitter-typescript`, `tree-sitter-go`); each wheel
exposes a `language()` capsule that `tree_sitter.Language` wraps.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import tree_sitter

from reviewbot.errors import ToolError


def _typescript() -> object:
    import tree_sitter_typescript

    return tree_sitter_typescript.language_typescript()


def _tsx() -> object:
    import tree_sitter_typescript

    return tree_sitter_typescript.language_tsx()


def _go() -> object:
    import tree_sitter_go

    return tree_sitter_go.language()


_LOADERS: dict[str, Callable[[], object]] = {"typescript": _typescript, "tsx": _tsx, "go": _go}
_LANGUAGES: dict[str, tree_sitter.Language] = {}
_LOCAL = threading.local()  # a Parser is not thread-safe: one per thread and grammar


def language(name: str) -> tree_sitter.Language:
    """The grammar called `name` ("typescript", "tsx", "go")."""
    loaded = _LANGUAGES.get(name)
    if loaded is None:
        try:
            loaded = tree_sitter.Language(_LOADERS[name]())
        except ImportError as err:  # a broken install: the wheels are runtime dependencies
            raise ToolError(
                f"the tree-sitter grammar {name!r} is not installed: {err}",
                hint="reinstall reviewbot (pip install --force-reinstall reviewbot)",
            ) from err
        _LANGUAGES[name] = loaded
    return loaded


def parser(name: str) -> tree_sitter.Parser:
    """This thread's parser for the grammar `name`."""
    parsers: dict[str, tree_sitter.Parser] | None = getattr(_LOCAL, "parsers", None)
    if parsers is None:
        parsers = {}
        _LOCAL.parsers = parsers
    found = parsers.get(name)
    if found is None:
        found = tree_sitter.Parser(language(name))
        parsers[name] = found
    return found


def parse(name: str, source: bytes) -> tree_sitter.Tree:
    """One parse of `source` with the grammar `name`."""
    return parser(name).parse(source)
