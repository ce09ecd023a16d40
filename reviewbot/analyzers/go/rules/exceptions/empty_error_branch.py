"""RB213 empty-error-branch: `if err != nil {}` checks an error and then ignores it."""

from __future__ import annotations

import re

import tree_sitter

from reviewbot.analyzers.go.rule import GoRule, bad, good
from reviewbot.analyzers.treesitter.nodes import node_text, one_line
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Evidence, Family

Node = tree_sitter.Node

# Calls whose failure means money or a money record did not move as the code assumes.
_MUTATION = re.compile(
    r"^(Exec|Insert|Update|Upsert|Delete|Save|Create|New|Post|Capture|Confirm|Charge|Refund|Cancel|Void"
    r"|Reverse|Transfer|Payout|Debit|Credit|Commit|Settle|Authorize|Record|Book)",
)


class EmptyErrorBranch(GoRule):
    code = "RB213"
    name = "empty-error-branch"
    family = Family.EXCEPTIONS
    severity = Severity.ERROR
    summary = "A Go `if err != nil {}` block is empty, so the error is checked and then ignored."
    rationale = (
        "An empty error branch reads as handled in review and passes errcheck (the error is used), "
        "but execution continues as if the capture, refund or ledger write succeeded."
    )
    help = "Return the error wrapped with context (`fmt.Errorf(\"post ledger entry: %w\", err)`), or handle it."
    references = ("https://go.dev/doc/effective_go#errors",)
    triggers = ("!= nil",)
    evidence = (
        Evidence(Confidence.HIGH, "the error comes from a mutation call in the `if` (Exec, Insert, Capture, Refund, Post...)"),
        Evidence(Confidence.MEDIUM, "the error's origin is not a mutation seen in the `if` statement"),
    )
    # gofmt indents with tabs: the examples spell them as \t.
    examples = (
        bad(
            "package payments\n\nfunc settle(ctx context.Context, entry Entry) {\n"
            "\tif err := ledger.Post(ctx, entry); err != nil {\n\t}\n}\n",
            line=4,
            confidence=Confidence.HIGH,
        ),
        bad(
            "package payments\n\nfunc settle(err error) {\n\tif err != nil {\n\t}\n}\n",
            line=4,
            confidence=Confidence.MEDIUM,
        ),
        good(
            "package payments\n\nfunc settle(ctx context.Context, entry Entry) error {\n"
            "\tif err := ledger.Post(ctx, entry); err != nil {\n"
            '\t\treturn fmt.Errorf("post ledger entry: %w", err)\n\t}\n\treturn nil\n}\n'
        ),
    )

    def visit_if_statement(self, node: Node) -> None:
        body = node.child_by_field_name("consequence")
        # Almost every body starts with its statements: that settles it before the condition is read.
        first = body.named_child(0) if body is not None and body.named_child_count else None
        if first is not None and first.type == "statement_list":
            return
        condition = node.child_by_field_name("condition")
        if condition is None or body is None or condition.type != "binary_expression":
            return
        if node_text(condition).replace(" ", "").split("!=")[-1] != "nil":
            return
        if any(child.type == "statement_list" for child in body.named_children):
            return
        if node.child_by_field_name("alternative") is not None:
            return
        checked = node_text(condition).replace(" ", "").split("!=")[0]
        if not re.fullmatch(r"[\w.]*[eE]rr\w*", checked):
            return  # `if r := recover(); r != nil {}` and other non-error values are not error handling
        call = self._mutation(node.child_by_field_name("initializer"))
        if call is not None:
            self.report(
                condition, f"the error of `{one_line(node_text(call), 50)}` is checked and ignored by an empty block"
            )
        else:
            self.report(
                condition,
                f"`if {one_line(node_text(condition), 40)}` has an empty body",
                confidence=Confidence.MEDIUM,
            )

    def _mutation(self, initializer: Node | None) -> Node | None:
        if initializer is None:
            return None
        for call in self.ctx.descendants(initializer, "call_expression"):
            function = call.child_by_field_name("function")
            name = node_text(function).rsplit(".", 1)[-1] if function is not None else ""
            if _MUTATION.match(name):
                return call
        return None
