"""The TypeScript analyzer: one tree-sitter parse per file, every TypeScript rule on the same tree."""

from __future__ import annotations

from collections.abc import Sequence

import tree_sitter

from reviewbot.analyzers.treesitter import engine
from reviewbot.analyzers.treesitter.analyzer import TreeSitterAnalyzer
from reviewbot.analyzers.treesitter.engine import LanguageSpec
from reviewbot.analyzers.treesitter.languages import TYPESCRIPT
from reviewbot.analyzers.typescript.rule import TypeScriptRule
from reviewbot.analyzers.typescript.rules import RULES
from reviewbot.analyzers.typescript.syntax import clear_caches
from reviewbot.config import Config
from reviewbot.core.findings import Finding


def is_grammar_gap(error: tree_sitter.Node) -> bool:
    """`sql<Row[]>` before a template: tree-sitter-typescript 0.23 cannot parse type arguments on a tagged template
    (valid TypeScript, common with Drizzle's `sql`); it wraps `sql<Row[]>` in an ERROR before the template."""
    following = error.next_sibling
    return (
        following is not None
        and following.type == "template_string"
        and bool(error.named_children)
        and all(child.type in ("instantiation_expression", "type_arguments", "identifier", "member_expression")
                for child in error.named_children)
    )


def callee_name(call: tree_sitter.Node) -> str:
    """`stripe.refunds.create(...)` -> create; `parseFloat(x)` -> parseFloat; anything else -> ''."""
    function = call.child_by_field_name("function")
    if function is None:
        return ""
    if function.type == "member_expression":
        function = function.child_by_field_name("property")
    elif function.type != "identifier":
        return ""
    raw = function.text if function is not None else None
    return raw.decode("utf-8", errors="replace") if raw is not None else ""


# JavaScript is parsed with the TSX grammar: JSX is common in .js files, TypeScript's `<T>x` is not.
SPEC = LanguageSpec(
    name=TYPESCRIPT.name,
    grammars=(
        (".tsx", "tsx"),
        (".ts", "typescript"),
        (".mts", "typescript"),
        (".cts", "typescript"),
        (".jsx", "tsx"),
        (".js", "tsx"),
        (".mjs", "tsx"),
        (".cjs", "tsx"),
    ),
    rules=RULES,
    tolerated_error=is_grammar_gap,
    call_name=callee_name,
    shared_query=True,
    # Searched by the rules (`ctx.descendants`) and few per file: 5 of the 7 extra queries medusa compiled.
    searched=("new_expression", "return_statement", "throw_statement", "update_expression", "variable_declarator"),
    before_file=clear_caches,
)


class TypeScriptAnalyzer(TreeSitterAnalyzer):
    """reviewbot's TypeScript rules (RB11x, RB21x, RB31x, RB51x, RB71x)."""

    def __init__(self) -> None:
        super().__init__(TYPESCRIPT)


def analyze_source(
    path: str, source: bytes, config: Config, rule_types: Sequence[type[TypeScriptRule]] | None = None
) -> list[Finding]:
    """The findings of the TypeScript rules (or of `rule_types`) on one file's bytes."""
    return engine.analyze_source(path, source, config, SPEC, rule_types)
