"""Node helpers every tree-sitter rule uses: text, ancestors, and subtree searches by one query."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import tree_sitter

Node = tree_sitter.Node

_QUERIES: dict[tuple[str, tuple[str, ...]], tree_sitter.Query] = {}


def query_for(language: tree_sitter.Language, types: tuple[str, ...]) -> tree_sitter.Query:
    """One query capturing every node of `types` (capture name = node type), compiled once."""
    key = (language.name or str(id(language)), types)
    found = _QUERIES.get(key)
    if found is None:
        unknown = [t for t in types if language.id_for_node_kind(t, True) is None]
        if unknown:
            raise TypeError(f"the {language.name} grammar has no node type {', '.join(unknown)}")
        found = tree_sitter.Query(language, " ".join(f"({t}) @{t}" for t in types))
        _QUERIES[key] = found
    return found


def captures(language: tree_sitter.Language, node: Node, types: tuple[str, ...]) -> dict[str, list[Node]]:
    """Every node of `types` inside `node`, grouped by type, each group in document order."""
    if not types:
        return {}
    return tree_sitter.QueryCursor(query_for(language, types)).captures(node)


def descendants(language: tree_sitter.Language, node: Node, types: tuple[str, ...]) -> list[Node]:
    """Nodes of `types` inside `node` (itself included), in document order."""
    found = captures(language, node, types)
    # Sorted even for one type: tree-sitter emits a nested match (the `f()` in `f().Scan()`) after
    # later siblings when an enclosing match of the same pattern is still open.
    merged = [n for group in found.values() for n in group]
    merged.sort(key=document_order)
    return merged


def document_order(node: Node) -> tuple[int, int]:
    """The sort key of document order: by start, an enclosing node before the nodes it holds."""
    return node.start_byte, -node.end_byte


def node_text(node: Node) -> str:
    raw = node.text
    return raw.decode("utf-8", errors="replace") if raw is not None else ""


def ancestors(node: Node) -> Iterator[Node]:
    """The parents of `node`, innermost first."""
    parent = node.parent
    while parent is not None:
        yield parent
        parent = parent.parent


def enclosing(node: Node, types: frozenset[str] | set[str]) -> Node | None:
    """The innermost ancestor whose type is in `types`."""
    for parent in ancestors(node):
        if parent.type in types:
            return parent
    return None


def is_inside(node: Node, outer: Node) -> bool:
    """Whether `node` lies within `outer` (or is it)."""
    return outer.start_byte <= node.start_byte and node.end_byte <= outer.end_byte


def first_error(root: Node, tolerated: Callable[[Node], bool] | None = None) -> Node | None:
    """The first ERROR node of a tree that tree-sitter recovered, or None (MISSING tokens are ignored,
    and so are ERROR nodes `tolerated` says are a known gap of the grammar on valid code)."""
    if not root.has_error:
        return None
    stack = [root]
    best: Node | None = None
    while stack:
        node = stack.pop()
        if node.is_error:
            if tolerated is not None and tolerated(node):
                continue
            if best is None or node.start_byte < best.start_byte:
                best = node
            continue
        if node.has_error:
            stack.extend(node.children)
    return best


def one_line(text: str, limit: int = 60) -> str:
    """Source text on one line, shortened for a message."""
    # A chain broken over lines (`db\n  .update(t)`) reads as written on one line (`db.update(t)`).
    flat = " ".join(re.sub(r"\s*\n\s*(?=[.)\]}?])", "", text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
