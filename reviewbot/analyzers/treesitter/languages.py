"""The tree-sitter languages as a run's parent process knows them: a name, the suffixes, and the module
whose `SPEC` holds the grammar and the rules.

Light on purpose: the CLI and the pipeline decide from these which files each analyzer takes and what the
fork server preloads, and a run whose files all go to workers never imports the engine or the rules in the
parent process (the workers have them from the fork server).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TreeSitterLanguage:
    name: str  # the analyzer's name in stats and the `languages` config key
    suffixes: tuple[str, ...]
    engine: str  # the module whose SPEC (a LanguageSpec) parses these suffixes and holds the rules


# JavaScript is parsed too, with the TSX grammar (typescript/engine.py).
TYPESCRIPT = TreeSitterLanguage(
    "typescript", (".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"), "reviewbot.analyzers.typescript.engine"
)
GO = TreeSitterLanguage("go", (".go",), "reviewbot.analyzers.go.engine")
TREESITTER_LANGUAGES = (TYPESCRIPT, GO)
