"""Source positions of libcst nodes: libcst's PositionProvider ranges, for only the nodes reported.

libcst keeps no positions in its tree; `PositionProvider` regenerates the code of the whole module to
compute them, about the cost of the parse again (issue #18). A rule reports a handful of nodes, so
`report_positions` generates only the code of the innermost statement around each of them and places
that statement with CPython's `ast`, whose C parser records every statement's line. The ranges are the
provider's own (tests/analyzers/python/test_positions.py compares every node of the fixtures and of real
code); whatever this cannot place with certainty falls back to `node_positions`, the whole-module pass.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import SimpleNamespace

import libcst as cst
from libcst.metadata import CodePosition, CodeRange, PositionProvider
from libcst.metadata.position_provider import PositionProvidingCodegenState

from reviewbot.analyzers.python.names import NODE_FIELDS, WALKED_NODE_TYPES, node_fields


class _PositionState(PositionProvidingCodegenState):
    """libcst's position-recording code generation, with a fast path for tokens without a line break
    (libcst splits every token with a regular expression)."""

    def _update_position(self, value: str) -> None:
        if "\n" in value or "\r" in value:
            super()._update_position(value)
        else:
            self.column += len(value)


def node_positions(module: cst.Module) -> Mapping[cst.CSTNode, CodeRange]:
    """Every node's PositionProvider range, from one code generation pass over the module.

    `MetadataWrapper.resolve(PositionProvider)` runs the same code generation and then walks the whole
    tree once more with no visitor (its batched providers' pass, empty here): half its cost for nothing.
    This calls the provider's state directly.
    """
    provider = PositionProvider()
    # libcst's private API (stable since 0.3): `_computed` is what BaseMetadataProvider._gen fills and
    # returns, `_codegen` what PositionProvider._gen_impl runs; the tests pin both.
    provider._computed = {}
    state = _PositionState(default_indent=module.default_indent, default_newline=module.default_newline, provider=provider)
    module._codegen(state)
    return provider._computed  # type: ignore[return-value]  # filled with CodeRange by the state above


# ------------------------------------------------------------------ positions of reported nodes only


class _Done(Exception):
    """Every wanted node of a statement has its range: stop generating its code."""


class _Unplaced(Exception):
    """The statement cannot be matched to CPython's tree with certainty: use the whole-module pass."""


class _StatementState(_PositionState):
    """Code generation of one statement, from the start of its first line, that stops as soon as the
    wanted nodes have their ranges and the statement its start (its keyword or first token)."""

    def __init__(self, module: cst.Module, provider: PositionProvider, anchor: cst.CSTNode, wanted: set[cst.CSTNode]) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline, provider=provider)
        self.anchor = anchor
        self.wanted = wanted
        self.pending = len(wanted)
        self.anchor_start: CodePosition | None = None

    def after_codegen(self, node: cst.CSTNode) -> None:
        super().after_codegen(node)
        if node in self.wanted:
            self.pending -= 1
            if self.pending == 0 and self.anchor_start is not None:
                raise _Done

    @contextmanager
    def record_syntactic_position(
        self, node: cst.CSTNode, *, start_node: cst.CSTNode | None = None, end_node: cst.CSTNode | None = None
    ) -> Iterator[None]:
        # libcst's own, without its try/finally: when _Done unwinds, nothing half-done is recorded.
        start = CodePosition(self.line, self.column)
        if node is self.anchor:
            self.anchor_start = start
            if self.pending == 0:
                raise _Done
        yield
        computed: dict[cst.CSTNode, CodeRange] = self.provider._computed  # type: ignore[assignment]  # only CodeRange here
        if start_node is not None:
            start = computed[start_node].start
        end = computed[end_node].end if end_node is not None else CodePosition(self.line, self.column)
        computed[node] = CodeRange(start, end)


_COMPOUND: dict[type[cst.CSTNode], tuple[type[ast.stmt], ...]] = {
    cst.FunctionDef: (ast.FunctionDef, ast.AsyncFunctionDef),
    cst.ClassDef: (ast.ClassDef,),
    cst.If: (ast.If,),
    cst.For: (ast.For, ast.AsyncFor),
    cst.While: (ast.While,),
    cst.With: (ast.With, ast.AsyncWith),
    cst.Try: (ast.Try,),
    cst.TryStar: (ast.TryStar,),
    cst.Match: (ast.Match,),
}
_SIMPLE: dict[type[cst.CSTNode], type[ast.stmt]] = {
    cst.Expr: ast.Expr, cst.Assign: ast.Assign, cst.AnnAssign: ast.AnnAssign, cst.AugAssign: ast.AugAssign,
    cst.Return: ast.Return, cst.Raise: ast.Raise, cst.Assert: ast.Assert, cst.Import: ast.Import,
    cst.ImportFrom: ast.ImportFrom, cst.Global: ast.Global, cst.Nonlocal: ast.Nonlocal, cst.Del: ast.Delete,
    cst.Pass: ast.Pass, cst.Break: ast.Break, cst.Continue: ast.Continue,
}


def _paths(module: cst.Module, targets: set[cst.CSTNode]) -> dict[cst.CSTNode, tuple[cst.CSTNode, ...]]:
    """Each target's ancestors from the module down to the target itself (the rules' walk order)."""
    found: dict[cst.CSTNode, tuple[cst.CSTNode, ...]] = {}
    walked = WALKED_NODE_TYPES
    fields_of = NODE_FIELDS
    stack: list[cst.CSTNode] = []

    def visit(node: cst.CSTNode) -> bool:
        stack.append(node)
        if node in targets:
            found[node] = tuple(stack)
            if len(found) == len(targets):
                return True
        for name in fields_of.get(type(node)) or node_fields(type(node)):
            value = getattr(node, name)
            value_type = type(value)
            if value_type in walked:
                if visit(value):
                    return True
            elif value_type is tuple or value_type is list:
                for item in value:
                    if type(item) in walked and visit(item):
                        return True
        stack.pop()
        return False

    visit(module)
    return found


def _child_ast(parent: cst.CSTNode, parent_ast: object, child: cst.CSTNode) -> object:
    """CPython's counterpart of `child`, a block-holding part of compound statement `parent`: a node,
    or a namespace whose `body` is the statement list an `else:`/`finally:` block holds."""
    if child is getattr(parent, "body", None):
        return parent_ast
    if child is getattr(parent, "orelse", None):
        orelse = getattr(parent_ast, "orelse", None)
        if isinstance(child, cst.If):  # elif
            if isinstance(orelse, list) and len(orelse) == 1 and isinstance(orelse[0], ast.If):
                return orelse[0]
            raise _Unplaced
        return SimpleNamespace(body=orelse)
    if child is getattr(parent, "finalbody", None):
        return SimpleNamespace(body=getattr(parent_ast, "finalbody", None))
    for field in ("handlers", "cases"):  # the same names in both trees
        items = getattr(parent, field, None)
        if items is not None:
            for index, item in enumerate(items):
                if item is child:
                    ast_items = getattr(parent_ast, field, None)
                    if not isinstance(ast_items, list) or len(ast_items) != len(items):
                        raise _Unplaced
                    return ast_items[index]
    return None  # an expression or header part: no statement list below it


def _anchor(path: Sequence[cst.CSTNode], tree: ast.Module, module: cst.Module) -> tuple[int, ast.stmt, list[str]]:
    """The innermost statement of a block on `path` (its index), CPython's node for it, and the
    indentation in force at its lines."""
    anchor: tuple[int, ast.stmt] | None = None
    indents: list[str] = []
    anchor_indents: list[str] = []
    ast_of: dict[int, object] = {0: tree}
    for i in range(1, len(path)):
        parent, node = path[i - 1], path[i]
        parent_ast = ast_of.get(i - 1)
        if isinstance(parent, (cst.Module, cst.IndentedBlock)) and isinstance(node, cst.BaseStatement):
            statements = getattr(parent_ast, "body", None)
            if not isinstance(statements, list):
                raise _Unplaced
            index = 0
            for statement in parent.body:
                if statement is node:
                    break
                index += len(statement.body) if isinstance(statement, cst.SimpleStatementLine) else 1
            if index >= len(statements):
                raise _Unplaced
            counterpart = statements[index]
            if isinstance(node, cst.SimpleStatementLine):
                simple = _SIMPLE.get(type(node.body[0])) if node.body else None
                expected: tuple[type[ast.stmt], ...] = (simple,) if simple is not None else ()
            else:
                expected = _COMPOUND.get(type(node), ())
            if not expected or not isinstance(counterpart, expected):
                raise _Unplaced
            ast_of[i] = counterpart
            anchor = (i, counterpart)
            anchor_indents = list(indents)
        elif isinstance(node, cst.IndentedBlock):
            if parent_ast is None:
                raise _Unplaced
            ast_of[i] = parent_ast
            indents.append(module.default_indent if node.indent is None else node.indent)
        elif isinstance(node, cst.MatchCase) and isinstance(parent, cst.Match):
            # `match` indents its cases itself (libcst's Match.indent), then each case's block.
            indents.append(module.default_indent if parent.indent is None else parent.indent)
            ast_of[i] = _child_ast(parent, parent_ast, node)
        elif parent_ast is not None and isinstance(parent, (cst.BaseCompoundStatement, cst.Else, cst.Finally, cst.ExceptHandler, cst.ExceptStarHandler, cst.MatchCase)):
            child = _child_ast(parent, parent_ast, node)
            if child is not None:
                ast_of[i] = child
    if anchor is None:
        raise _Unplaced
    return anchor[0], anchor[1], anchor_indents


def report_positions(
    module: cst.Module, source: bytes, nodes: Collection[cst.CSTNode]
) -> Mapping[cst.CSTNode, CodeRange]:
    """PositionProvider's range for each of `nodes`, generating only the code of the statements that
    hold them."""
    targets = set(nodes)
    if not targets:
        return {}
    try:
        return _report_positions(module, source, targets)
    except (_Unplaced, SyntaxError, ValueError, RecursionError, MemoryError, KeyError):
        every = node_positions(module)
        return {node: every[node] for node in targets if node in every}


def _report_positions(module: cst.Module, source: bytes, targets: set[cst.CSTNode]) -> dict[cst.CSTNode, CodeRange]:
    if b"\r" in source.replace(b"\r\n", b""):
        raise _Unplaced  # a lone CR ends a line for libcst, not for CPython's line numbers
    paths = _paths(module, targets)
    if len(paths) != len(targets):
        raise _Unplaced
    tree = ast.parse(source)
    groups: dict[int, tuple[cst.CSTNode, ast.stmt, list[str], set[cst.CSTNode]]] = {}
    for target, path in paths.items():
        index, counterpart, indents = _anchor(path, tree, module)
        statement = path[index]
        group = groups.setdefault(id(statement), (statement, counterpart, indents, set()))
        group[3].add(target)
    positions: dict[cst.CSTNode, CodeRange] = {}
    for statement, counterpart, indents, wanted in groups.values():
        provider = PositionProvider()
        provider._computed = {}
        state = _StatementState(module, provider, statement, wanted)
        state.indent_tokens = indents
        try:
            statement._codegen(state)
        except _Done:
            pass
        start = state.anchor_start
        if start is None or start.column != counterpart.col_offset:
            raise _Unplaced
        shift = counterpart.lineno - start.line
        for node in wanted:
            where: CodeRange = provider._computed[node]  # type: ignore[assignment]
            positions[node] = CodeRange(
                CodePosition(where.start.line + shift, where.start.column),
                CodePosition(where.end.line + shift, where.end.column),
            )
    return positions
