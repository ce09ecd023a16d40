"""TypeScript syntax helpers: call chains, string and object literals, functions and their bindings."""

from __future__ import annotations

import re
from collections.abc import Iterator

import tree_sitter

from reviewbot.analyzers.treesitter.nodes import ancestors, node_text
from reviewbot.analyzers.treesitter.rule import FileContext

Node = tree_sitter.Node

FUNCTION_TYPES = frozenset(
    {
        "function_declaration",
        "function_expression",
        "arrow_function",
        "method_definition",
        "generator_function_declaration",
        "generator_function",
    }
)
# Wrappers that do not change which value an expression is.
_TRANSPARENT = frozenset(
    {
        "parenthesized_expression",
        "await_expression",
        "as_expression",
        "non_null_expression",
        "satisfies_expression",
        "type_assertion",
    }
)
_COMMENT = "comment"
_PLAIN_CHAIN = re.compile(r"[A-Za-z_$][\w$]*(\??\.[A-Za-z_$#][\w$]*)*")


def unwrap(node: Node | None) -> Node | None:
    """The expression under parentheses, `await`, `as T`, `x!` and `satisfies T`."""
    while node is not None and node.type in _TRANSPARENT:
        inner = [c for c in node.named_children if c.type != _COMMENT and not c.type.endswith("_type")]
        if node.type == "type_assertion":  # <T>expr: the expression is the last child
            inner = inner[-1:]
        node = inner[0] if inner else None
    return node


def arguments(call: Node) -> list[Node]:
    """The argument expressions of a call (or `new`) expression, comments left out."""
    args = call.child_by_field_name("arguments")
    if args is None or args.type != "arguments":
        return []
    return [a for a in args.named_children if a.type != _COMMENT]


def callee(call: Node) -> Node | None:
    return call.child_by_field_name("function") or call.child_by_field_name("constructor")


def chain(node: Node | None) -> list[str]:
    """`this.stripe_.refunds.create` -> [this, stripe_, refunds, create]; a call in the chain is `name()`."""
    parts: list[str] = []
    node = unwrap(node)
    while node is not None:
        kind = node.type
        if kind == "member_expression":
            prop = node.child_by_field_name("property")
            parts.append(node_text(prop) if prop is not None else "")
            node = unwrap(node.child_by_field_name("object"))
        elif kind == "subscript_expression":
            index = node.child_by_field_name("index")
            key = string_value(index) if index is not None else None
            parts.append(key if key is not None else "[]")
            node = unwrap(node.child_by_field_name("object"))
        elif kind == "call_expression":
            inner = chain(callee(node))
            parts.append((inner[-1] if inner else "") + "()")
            parts.extend(reversed(inner[:-1]))
            node = None
        elif kind in ("identifier", "this", "super", "property_identifier"):
            parts.append(node_text(node))
            node = None
        else:
            parts.append("?")
            node = None
    parts.reverse()
    return parts


# Per-file memo of call_chain, keyed by node id (cleared before each file by the engine).
_CHAINS: dict[int, tuple[str, ...]] = {}


def clear_caches() -> None:
    """Forget the memos of the previous file (node ids are unique within one tree only)."""
    _CHAINS.clear()
    from reviewbot.analyzers.typescript.db import WRITES

    WRITES.clear()


def call_chain(call: Node) -> tuple[str, ...]:
    """The callee's chain of a call expression (() for anything else); every rule asks, so it is memoised."""
    found = _CHAINS.get(call.id)
    if found is None:
        found = _CHAINS[call.id] = _call_chain(call)
    return found


def _call_chain(call: Node) -> tuple[str, ...]:
    if call.type not in ("call_expression", "new_expression"):
        return ()
    function = callee(call)
    if function is None:
        return ()
    # Most callees are plain member chains (`this.stripe_.refunds.create`): split their text.
    text = node_text(function)
    if _PLAIN_CHAIN.fullmatch(text):
        return tuple(text.replace("?.", ".").split("."))
    return tuple(chain(function))


def method_name(call: Node) -> str:
    """`a.b.c(...)` -> c; `f(...)` -> f."""
    parts = call_chain(call)
    return parts[-1] if parts else ""


def string_value(node: Node | None) -> str | None:
    """The text of a string literal, or of a template without substitutions."""
    node = unwrap(node)
    if node is None:
        return None
    if node.type == "string":
        return "".join(node_text(c) for c in node.named_children if c.type in ("string_fragment", "escape_sequence"))
    if node.type == "template_string":
        if any(c.type == "template_substitution" for c in node.named_children):
            return None
        return node_text(node)[1:-1]
    return None


def template_text(node: Node) -> str:
    """The literal parts of a string or template, substitutions as `${}` (for SQL text)."""
    if node.type == "template_string":
        return "".join(
            "${}" if c.type == "template_substitution" else node_text(c) for c in node.named_children
        )
    value = string_value(node)
    return value if value is not None else ""


def property_key(pair: Node) -> str | None:
    """The key of an object member (`pair`, shorthand, method), as written."""
    if pair.type == "shorthand_property_identifier":
        return node_text(pair)
    key = pair.child_by_field_name("key") if pair.type in ("pair", "method_definition") else None
    if pair.type == "method_definition":
        key = pair.child_by_field_name("name")
    if key is None:
        return None
    if key.type in ("string", "template_string"):
        return string_value(key)
    if key.type == "computed_property_name":
        return None
    return node_text(key)


def object_members(obj: Node | None) -> dict[str, Node]:
    """Key -> value node of an object literal (a shorthand member's value is the identifier itself)."""
    out: dict[str, Node] = {}
    obj = unwrap(obj)
    if obj is None or obj.type != "object":
        return out
    for member in obj.named_children:
        key = property_key(member)
        if key is None:
            continue
        if member.type == "pair":
            value = member.child_by_field_name("value")
            if value is not None:
                out[key] = value
        else:
            out[key] = member
    return out


def has_spread(obj: Node | None) -> bool:
    obj = unwrap(obj)
    return obj is not None and any(c.type == "spread_element" for c in obj.named_children)


def enclosing_function(node: Node) -> Node | None:
    for parent in ancestors(node):
        if parent.type in FUNCTION_TYPES:
            return parent
    return None


def outermost_function(node: Node) -> Node | None:
    """The top-level function or method around `node` (callbacks inside it included)."""
    found: Node | None = None
    for parent in ancestors(node):
        if parent.type in FUNCTION_TYPES:
            found = parent
    return found


def function_name(fn: Node) -> str:
    """A function's name: declared, the variable or property it is assigned to, or ''."""
    name = fn.child_by_field_name("name")
    if name is not None:
        return node_text(name)
    parent = fn.parent
    while parent is not None and parent.type in _TRANSPARENT:
        parent = parent.parent
    if parent is None:
        return ""
    if parent.type == "variable_declarator":
        target = parent.child_by_field_name("name")
        return node_text(target) if target is not None else ""
    if parent.type == "pair":
        return property_key(parent) or ""
    if parent.type == "assignment_expression":
        left = parent.child_by_field_name("left")
        parts = chain(left)
        return parts[-1] if parts else ""
    return ""


def body_of(fn: Node) -> Node | None:
    return fn.child_by_field_name("body")


def parameters(fn: Node) -> list[Node]:
    params = fn.child_by_field_name("parameters")
    if params is None:
        single = fn.child_by_field_name("parameter")  # `x => ...`
        return [single] if single is not None else []
    return [p for p in params.named_children if p.type != _COMMENT]


def parameter_name(param: Node) -> str:
    pattern = param.child_by_field_name("pattern") if param.type != "identifier" else param
    return node_text(pattern) if pattern is not None and pattern.type == "identifier" else ""


def declared_names(pattern: Node | None) -> Iterator[str]:
    """Names bound by a declarator's pattern: `x`, `[row]`, `{ amount, total: t }`."""
    if pattern is None:
        return
    if pattern.type in ("identifier", "shorthand_property_identifier_pattern"):
        yield node_text(pattern)
        return
    for child in pattern.named_children:
        if child.type == "pair_pattern":
            yield from declared_names(child.child_by_field_name("value"))
        elif child.type in ("object_assignment_pattern", "assignment_pattern"):
            yield from declared_names(child.child_by_field_name("left"))
        elif child.type == "rest_pattern":
            continue
        else:
            yield from declared_names(child)


def is_literal(node: Node | None) -> bool:
    node = unwrap(node)
    return node is not None and node.type in ("string", "number", "true", "false", "null", "undefined", "template_string")


def number_value(node: Node | None) -> float | None:
    node = unwrap(node)
    if node is None or node.type != "number":
        return None
    text = node_text(node).replace("_", "")
    try:
        return float(int(text, 0)) if text[:2].lower() in ("0x", "0o", "0b") else float(text)
    except ValueError:
        return None


# ----------------------------------------------------------------- per-file facts


class Bindings:
    """`const`/`let`/`var` declarators of the file, looked up by name from a position, innermost scope first."""

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self._by_scope: dict[int | None, dict[str, list[Node]]] | None = None

    def _index(self) -> dict[int | None, dict[str, list[Node]]]:
        """Function id (None: the module) -> name -> its declarators, from the file's one list of declarators."""
        if self._by_scope is None:
            self._by_scope = {}
            for declarator in self.ctx.all_of("variable_declarator"):
                owner = enclosing_function(declarator)
                names = self._by_scope.setdefault(owner.id if owner is not None else None, {})
                for name in declared_names(declarator.child_by_field_name("name")):
                    names.setdefault(name, []).append(declarator)
        return self._by_scope

    def declarator(self, name: str, at: Node) -> Node | None:
        """The nearest declarator of `name` visible from `at` (the last one before it, in its function)."""
        index = self._index()
        scope: Node | None = at
        while True:
            scope = enclosing_function(scope) if scope is not None else None
            candidates = index.get(scope.id if scope is not None else None, {}).get(name)
            if candidates:
                before = [d for d in candidates if d.start_byte <= at.start_byte]
                return before[-1] if before else candidates[0]
            if scope is None:
                return None

    def value(self, name: str, at: Node) -> Node | None:
        """The initial value of `name` as declared (None for parameters and unknown names)."""
        declarator = self.declarator(name, at)
        if declarator is None:
            return None
        pattern = declarator.child_by_field_name("name")
        if pattern is None or pattern.type != "identifier":
            return None
        return declarator.child_by_field_name("value")


def bindings(ctx: FileContext) -> Bindings:
    return Bindings(ctx)


def imports(ctx: FileContext) -> dict[str, str]:
    """Local name -> module, from `import` statements and `require()` calls."""
    out: dict[str, str] = {}
    for stmt in ctx.root.named_children:
        if stmt.type == "import_statement":
            source = string_value(stmt.child_by_field_name("source"))
            if source is None:
                continue
            for ident in ctx.descendants(stmt, "identifier"):
                out[node_text(ident)] = source
        elif stmt.type == "lexical_declaration" or stmt.type == "variable_declaration":
            for declarator in stmt.named_children:
                value = unwrap(declarator.child_by_field_name("value"))
                while value is not None and value.type == "call_expression" and method_name(value) != "require":
                    value = unwrap(callee(value))  # require("stripe")(key)
                if value is None or value.type != "call_expression" or method_name(value) != "require":
                    continue
                args = arguments(value)
                module = string_value(args[0]) if args else None
                if module is None:
                    continue
                for name in declared_names(declarator.child_by_field_name("name")):
                    out[name] = module
    return out


def imported_modules(ctx: FileContext) -> frozenset[str]:
    return frozenset(ctx.fact(imports).values())


def call_sequence(call: Node) -> tuple[list[tuple[str, Node]], Node | None]:
    """`db.select().from(t).where(x)` -> ([(select, c1), (from, c2), (where, c3)], db): the chained calls
    innermost first, and the receiver they start from."""
    out: list[tuple[str, Node]] = []
    node = unwrap(call)
    while node is not None and node.type == "call_expression":
        function = unwrap(callee(node))
        if function is None:
            break
        if function.type != "member_expression":
            out.append((node_text(function), node))
            node = None
            break
        prop = function.child_by_field_name("property")
        out.append((node_text(prop) if prop is not None else "", node))
        node = unwrap(function.child_by_field_name("object"))
    out.reverse()
    return out, node


def calls_above(call: Node) -> list[tuple[str, Node]]:
    """The calls chained onto `call`: for `db.update(t)` inside `db.update(t).set(v).where(w)`,
    [(set, ...), (where, ...)], nearest first."""
    out: list[tuple[str, Node]] = []
    node = call
    while True:
        parent = node.parent
        if parent is None or parent.type != "member_expression" or parent.child_by_field_name("object") != node:
            break
        outer = parent.parent
        if outer is None or outer.type != "call_expression" or outer.child_by_field_name("function") != parent:
            break
        prop = parent.child_by_field_name("property")
        out.append((node_text(prop) if prop is not None else "", outer))
        node = outer
    return out


def statement_of(node: Node) -> Node:
    """The statement that contains `node` (itself if it is one)."""
    current = node
    while current.parent is not None and not current.type.endswith(("_statement", "_declaration")):
        current = current.parent
    return current


def identifiers_in(ctx: FileContext, node: Node) -> set[str]:
    """Every identifier name used inside `node` (member objects included, property names not)."""
    return {node_text(n) for n in ctx.descendants(node, "identifier", "shorthand_property_identifier")}
