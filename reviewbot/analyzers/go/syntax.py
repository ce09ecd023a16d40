"""Go syntax the rules share: calls and their chains, string values, functions, assignments, declared types."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import tree_sitter

from reviewbot.analyzers.treesitter.nodes import ancestors, node_text
from reviewbot.analyzers.treesitter.rule import FileContext

Node = tree_sitter.Node

FUNCTION_TYPES = frozenset({"function_declaration", "method_declaration", "func_literal"})
ASSIGNMENT_TYPES = ("short_var_declaration", "assignment_statement", "var_spec")
STRING_TYPES = frozenset({"interpreted_string_literal", "raw_string_literal"})


def callee_name(call: Node) -> str:
    """`sc.V1Refunds.Create(...)` -> Create; `refund.New(...)` -> New; `float64(x)` -> float64; else ''."""
    function = call.child_by_field_name("function")
    if function is None:
        return ""
    if function.type == "selector_expression":
        function = function.child_by_field_name("field")
    elif function.type not in ("identifier", "type_identifier"):
        return ""
    return node_text(function) if function is not None else ""


_CHAINS: dict[int, tuple[str, ...]] = {}
_ASSIGNMENTS: dict[int, tuple[Assignment, ...]] = {}


def clear_caches() -> None:
    """Forget the memos of the previous file (node ids are unique within one tree only)."""
    _CHAINS.clear()
    _ASSIGNMENTS.clear()


def call_chain(call: Node) -> tuple[str, ...]:
    """`s.client.V1Refunds.Create(ctx, p)` -> (s, client, V1Refunds, Create); an inner call keeps its `()`:
    `getClient().V1Refunds.Create` -> (getClient(), V1Refunds, Create). Memoised per file: every rule asks."""
    found = _CHAINS.get(call.id)
    if found is None:
        function = call.child_by_field_name("function")
        found = _CHAINS[call.id] = selector_chain(function) if function is not None else ()
    return found


def selector_chain(node: Node) -> tuple[str, ...]:
    """`a.b.c` -> (a, b, c); other operands are one part (`f()`, `xs[0]`)."""
    parts: list[str] = []
    current: Node | None = node
    while current is not None and current.type == "selector_expression":
        field = current.child_by_field_name("field")
        parts.append(node_text(field) if field is not None else "")
        current = current.child_by_field_name("operand")
    if current is not None:
        if current.type == "call_expression":
            inner = call_chain(current)
            parts.append((".".join(inner) if inner else node_text(current)) + "()")
        else:
            parts.append(node_text(current))
    return tuple(reversed(parts))


def method_chain(call: Node) -> tuple[str, ...]:
    """Every name along a chain of selectors and calls: `r.db.WithContext(ctx).Model(&x).Update("a", v)` ->
    (r, db, WithContext, Model, Update)."""
    parts: list[str] = []
    current: Node | None = call
    while current is not None:
        if current.type == "call_expression":
            current = current.child_by_field_name("function")
        elif current.type == "selector_expression":
            field = current.child_by_field_name("field")
            parts.append(node_text(field) if field is not None else "")
            current = current.child_by_field_name("operand")
        else:
            if current.type in ("identifier", "type_identifier"):
                parts.append(node_text(current))
            break
    return tuple(reversed(parts))


def arguments(call: Node) -> list[Node]:
    args = call.child_by_field_name("arguments")
    if args is None:
        return []
    return [child for child in args.named_children if child.type != "comment"]


def unparen(node: Node | None) -> Node | None:
    """The expression inside parentheses."""
    while node is not None and node.type == "parenthesized_expression" and node.named_children:
        node = node.named_children[0]
    return node


def unaddress(node: Node | None) -> Node | None:
    """`&x` -> x, `(x)` -> x."""
    node = unparen(node)
    if node is not None and node.type == "unary_expression" and node_text(node).startswith("&"):
        return unparen(node.child_by_field_name("operand"))
    return node


def string_value(node: Node | None) -> str | None:
    """The text of a string literal, or of a `+` concatenation of string literals (one level of SQL
    building); None when any part is not a literal."""
    node = unparen(node)
    if node is None:
        return None
    if node.type in STRING_TYPES:
        raw = node_text(node)
        return raw[1:-1] if len(raw) >= 2 else ""
    if node.type == "binary_expression" and node.child_by_field_name("operator") is not None:
        operator = node.child_by_field_name("operator")
        if operator is not None and node_text(operator) == "+":
            left = string_value(node.child_by_field_name("left"))
            right = string_value(node.child_by_field_name("right"))
            if left is not None and right is not None:
                return left + right
    return None


def strings_in(ctx: FileContext, node: Node) -> str:
    """Every string literal inside `node`, joined (the SQL of a call that builds it with Sprintf or `+`)."""
    return " ".join(string_value(s) or "" for s in ctx.descendants(node, "interpreted_string_literal", "raw_string_literal"))


def enclosing_function(node: Node) -> Node | None:
    """The innermost function declaration, method or function literal around `node`."""
    for parent in ancestors(node):
        if parent.type in FUNCTION_TYPES:
            return parent
    return None


def outermost_function(node: Node) -> Node | None:
    """The top-level function or method around `node` (through closures)."""
    found: Node | None = None
    for parent in ancestors(node):
        if parent.type in FUNCTION_TYPES:
            found = parent
    return found


def function_name(function: Node | None) -> str:
    if function is None or function.type == "func_literal":
        return ""
    name = function.child_by_field_name("name")
    return node_text(name) if name is not None else ""


def function_body(function: Node) -> Node | None:
    return function.child_by_field_name("body")


def receiver_type(function: Node) -> str:
    """`func (s *PaymentService) Refund(...)` -> PaymentService."""
    receiver = function.child_by_field_name("receiver") if function.type == "method_declaration" else None
    if receiver is None:
        return ""
    match = re.search(r"(\w+)(\[[^\]]*\])?\s*\)\s*$", node_text(receiver))
    return match.group(1) if match else ""


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    type: str  # the declared type's text: "float64", "*gin.Context", "http.ResponseWriter"
    node: Node


def parameters(function: Node, receiver: bool = True) -> list[Parameter]:
    """The function's parameters (and a method's receiver, first, unless `receiver` is False), with their types."""
    found: list[Parameter] = []
    lists = [function.child_by_field_name("receiver") if receiver else None, function.child_by_field_name("parameters")]
    for plist in lists:
        if plist is None:
            continue
        for declaration in plist.named_children:
            if declaration.type not in ("parameter_declaration", "variadic_parameter_declaration"):
                continue
            type_node = declaration.child_by_field_name("type")
            type_text = node_text(type_node) if type_node is not None else ""
            for child in declaration.named_children:
                if child.type == "identifier":
                    found.append(Parameter(node_text(child), type_text, child))
    return found


def result_types(function: Node) -> str:
    result = function.child_by_field_name("result")
    return node_text(result) if result is not None else ""


@dataclass(frozen=True, slots=True)
class Assignment:
    """One target of an assignment, declaration or `var` spec, and the expression it receives.

    `x, err := f()` gives two: (x, f(), index 0) and (err, f(), index 1); `value` is the whole right side
    when the counts differ (a call with several results)."""

    target: Node
    value: Node | None
    index: int
    statement: Node
    operator: str  # ":=", "=", "+=", "var"

    @property
    def name(self) -> str:
        return node_text(self.target)

    @property
    def is_tuple(self) -> bool:
        """Whether the target receives one of several results of a single call."""
        value = self.value
        return value is not None and value.type == "call_expression" and self.index >= 0 and _left_count(self.statement) > 1


def _left_count(statement: Node) -> int:
    if statement.type == "var_spec":
        return len([c for c in statement.children_by_field_name("name")])
    left = statement.child_by_field_name("left")
    return len(left.named_children) if left is not None else 0


def assignments_of(statement: Node) -> list[Assignment]:
    """The (target, value) pairs of one `:=`, `=`, `op=` statement or `var` spec."""
    if statement.type == "var_spec":
        targets = list(statement.children_by_field_name("name"))
        value_list = statement.child_by_field_name("value")
        operator = "var"
    else:
        left = statement.child_by_field_name("left")
        value_list = statement.child_by_field_name("right")
        targets = list(left.named_children) if left is not None else []
        op = statement.child_by_field_name("operator")
        operator = node_text(op) if op is not None else (":=" if statement.type == "short_var_declaration" else "=")
    values = [v for v in value_list.named_children if v.type != "comment"] if value_list is not None else []
    pairs: list[Assignment] = []
    for index, target in enumerate(targets):
        if len(values) == len(targets):
            pairs.append(Assignment(target, values[index], index, statement, operator))
        elif len(values) == 1:
            pairs.append(Assignment(target, values[0], index, statement, operator))
        else:
            pairs.append(Assignment(target, None, index, statement, operator))
    return pairs


def assignments_in(ctx: FileContext, scope: Node) -> tuple[Assignment, ...]:
    """Every assignment inside `scope` (closures included: they share the function's variables).
    Memoised per file: rules ask for the same function's assignments name after name."""
    found = _ASSIGNMENTS.get(scope.id)
    if found is None:
        found = _ASSIGNMENTS[scope.id] = tuple(
            assignment for statement in ctx.descendants(scope, *ASSIGNMENT_TYPES) for assignment in assignments_of(statement)
        )
    return found


def assignments_to(ctx: FileContext, scope: Node, name: str) -> list[Assignment]:
    """The assignments inside `scope` whose target is the identifier `name`."""
    return [a for a in assignments_in(ctx, scope) if a.target.type == "identifier" and a.name == name]


def uses_of(ctx: FileContext, scope: Node, name: str) -> list[Node]:
    """The identifiers spelling `name` inside `scope`, in document order."""
    return [n for n in ctx.descendants(scope, "identifier") if node_text(n) == name]


def root_name(node: Node | None) -> str:
    """`&params.Params` -> params; `s.repo` -> s; `x` -> x; anything else -> ''."""
    node = unaddress(node)
    while node is not None and node.type in ("selector_expression", "index_expression"):
        node = node.child_by_field_name("operand")
    node = unparen(node)
    return node_text(node) if node is not None and node.type == "identifier" else ""


def is_nil_check(condition: Node | None, name: str | None = None) -> str | None:
    """`err != nil` (or `nil != err`) -> the checked expression's text; None otherwise."""
    condition = unparen(condition)
    if condition is None or condition.type != "binary_expression":
        return None
    operator = condition.child_by_field_name("operator")
    if operator is None or node_text(operator) != "!=":
        return None
    left, right = condition.child_by_field_name("left"), condition.child_by_field_name("right")
    if left is None or right is None:
        return None
    if node_text(right) == "nil":
        checked = node_text(left)
    elif node_text(left) == "nil":
        checked = node_text(right)
    else:
        return None
    return checked if name is None or checked == name else None


def statements(block: Node | None) -> list[Node]:
    """The statements of a block (tree-sitter-go wraps them in a statement_list)."""
    if block is None:
        return []
    found: list[Node] = []
    for child in block.named_children:
        if child.type == "statement_list":
            found.extend(c for c in child.named_children if c.type != "comment")
        elif child.type != "comment":
            found.append(child)
    return found


def in_nested_function(node: Node, outer: Node) -> bool:
    """Whether a function literal lies between `node` and `outer`."""
    for parent in ancestors(node):
        if parent.id == outer.id:
            return False
        if parent.type in FUNCTION_TYPES:
            return True
    return False


def imports(ctx: FileContext) -> dict[str, str]:
    """The file's imports: the name each is used by in the file -> its path."""
    return ctx.fact(_imports)


def top_level(ctx: FileContext, *types: str) -> list[Node]:
    """The file's top-level declarations of these types (imports, consts, vars, types), without a query."""
    return [child for child in ctx.root.named_children if child.type in types]


def specs(declaration: Node, spec_type: str) -> list[Node]:
    """The specs of a (possibly parenthesised) declaration: `import ( "a"; "b" )` -> its two import_specs."""
    found: list[Node] = []
    for child in declaration.named_children:
        if child.type == spec_type:
            found.append(child)
        elif child.type.endswith("_list"):
            found.extend(c for c in child.named_children if c.type == spec_type)
    return found


def _imports(ctx: FileContext) -> dict[str, str]:
    found: dict[str, str] = {}
    for spec in (s for d in top_level(ctx, "import_declaration") for s in specs(d, "import_spec")):
        path_node = spec.child_by_field_name("path")
        path = string_value(path_node) if path_node is not None else None
        if path is None:
            continue
        alias = spec.child_by_field_name("name")
        name = node_text(alias) if alias is not None else _package_name(path)
        found[name] = path
    return found


def _package_name(path: str) -> str:
    """The name an import is used by when it has no alias: its last element without a /vN major version,
    a `.vN` suffix, or a `go-` prefix or `-go` suffix (`stripe-go/v82` -> stripe, `yaml.v3` -> yaml)."""
    parts = [p for p in path.split("/") if p]
    while len(parts) > 1 and re.fullmatch(r"v\d+", parts[-1]):
        parts.pop()
    name = parts[-1] if parts else path
    name = re.sub(r"\.v\d+$", "", name)
    name = re.sub(r"^go-|-go$", "", name)
    return name.replace("-", "_").replace(".", "_")


def functions_named(ctx: FileContext, name: str) -> list[Node]:
    """The file's top-level functions and methods called `name`."""
    return [f for f in ctx.fact(_functions).get(name, [])]


def _functions(ctx: FileContext) -> dict[str, list[Node]]:
    found: dict[str, list[Node]] = {}
    for child in ctx.root.named_children:
        if child.type in ("function_declaration", "method_declaration"):
            found.setdefault(function_name(child), []).append(child)
    return found


def calls_of_function(ctx: FileContext, name: str) -> list[Node]:
    """The file's calls whose callee's last name is `name`."""
    return [c for c in ctx.all_of("call_expression") if callee_name(c) == name]


def walk(node: Node) -> Iterator[Node]:
    """`node` and its named descendants, depth first."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.named_children))
