"""RB216 discarded-amount-parse-error: an amount is parsed with its error thrown away, so bad input becomes 0."""

from __future__ import annotations

import re

import tree_sitter

from reviewbot.analyzers.go.rule import GoRule, bad, good
from reviewbot.analyzers.go.rules.money._values import is_money, last_name, sink_of
from reviewbot.analyzers.go.syntax import call_chain, enclosing_function, unparen, uses_of
from reviewbot.analyzers.treesitter.nodes import ancestors, node_text, one_line
from reviewbot.analyzers.treesitter.rule import FileContext
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Evidence, Family

Node = tree_sitter.Node

_PARSERS = frozenset({
    "decimal.NewFromString", "decimal.NewFromFormattedString", "strconv.ParseFloat", "strconv.ParseInt",
    "strconv.ParseUint", "strconv.Atoi", "apd.NewFromString", "money.Parse", "currency.ParseAmount",
})
# A later check that catches the zero a failed parse leaves behind.
_ZERO_CHECK = re.compile(r"\.(IsZero|IsPositive|IsNegative|LessThanOrEqual|GreaterThan|Sign)\(|[<>=!]=?\s*0\b")


class DiscardedAmountParseError(GoRule):
    code = "RB216"
    name = "discarded-amount-parse-error"
    family = Family.EXCEPTIONS
    severity = Severity.ERROR
    summary = "An amount is parsed (`decimal.NewFromString`, `strconv.ParseFloat`...) with its error assigned to `_`."
    rationale = (
        "When the text is not a number the parser returns zero and the error says so. Thrown away, a typo in a "
        "CSV import or an API field becomes a price of 0 or a refund of 0 that is stored and billed without a "
        "trace."
    )
    help = "Check the error and reject the row or request: `amount, err := decimal.NewFromString(v); if err != nil { return … }`."
    references = ("https://pkg.go.dev/github.com/shopspring/decimal#NewFromString",)
    triggers = ("_ :=", "_ =")
    requires = (("Parse", "NewFrom", "Atoi"),)
    evidence = (
        Evidence(
            Confidence.HIGH,
            "the parsed value becomes a money field (`req.Amount = &amount`, `Price: amount`) or reaches stripe-go "
            "params or a database write",
        ),
        Evidence(Confidence.MEDIUM, "the parsed variable is named as money; where it goes is not seen"),
    )
    examples = (
        bad(
            """\
            package imports

            func priceFromRow(row map[string]string) *CreatePriceRequest {
                req := &CreatePriceRequest{Currency: row["currency"]}
                amount, _ := decimal.NewFromString(row["amount"])
                req.Amount = &amount
                return req
            }
            """,
            line=5,
            confidence=Confidence.HIGH,
        ),
        bad(
            """\
            package imports

            func refundAmount(form url.Values) decimal.Decimal {
                refundAmount, _ := decimal.NewFromString(form.Get("refund_amount"))
                return refundAmount
            }
            """,
            line=4,
            confidence=Confidence.MEDIUM,
        ),
        good(
            """\
            package imports

            func priceFromRow(row map[string]string) (*CreatePriceRequest, error) {
                amount, err := decimal.NewFromString(row["amount"])
                if err != nil {
                    return nil, fmt.Errorf("amount %q: %w", row["amount"], err)
                }
                trialDays, _ := strconv.Atoi(row["trial_days"])
                return &CreatePriceRequest{Amount: &amount, TrialDays: trialDays}, nil
            }
            """
        ),
    )

    call_names = frozenset(name.rsplit(".", 1)[-1] for name in _PARSERS)

    def visit_call_expression(self, node: Node) -> None:
        statement = node.parent.parent if node.parent is not None and node.parent.type == "expression_list" else None
        if statement is not None and statement.type in ("short_var_declaration", "assignment_statement"):
            self._judge(statement)

    def _judge(self, node: Node) -> None:
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if left is None or right is None or len(right.named_children) != 1 or len(left.named_children) != 2:
            return
        target, discarded = left.named_children
        call = unparen(right.named_children[0])
        if node_text(discarded) != "_" or call is None or call.type != "call_expression":
            return
        if ".".join(call_chain(call)) not in _PARSERS:
            return
        function = enclosing_function(node)
        if function is None or target.type != "identifier" or node_text(target) == "_":
            return
        name = node_text(target)
        # The variable lives in the block that declares it (a `case` clause, an `if` body).
        scope = node.parent if node.type == "short_var_declaration" and node.parent is not None else function
        uses = [u for u in uses_of(self.ctx, scope, name) if u.start_byte > node.end_byte]
        if any(_ZERO_CHECK.search(node_text(_statement_of(u))) for u in uses):
            return
        for use in uses:
            field = _money_field_receiving(self.ctx, use)
            if field:
                self.report(
                    call,
                    f"the error of `{one_line(node_text(call), 50)}` is discarded and `{name}` becomes `{field}`; "
                    "bad input is stored as 0",
                )
                return
            sink = sink_of(self.ctx, use, function)
            if sink is not None:
                self.report(
                    call,
                    f"the error of `{one_line(node_text(call), 50)}` is discarded and `{name}` reaches {sink.label}",
                )
                return
        if is_money(self.ctx, name):
            self.report(
                call,
                f"the error of `{one_line(node_text(call), 50)}` is discarded; a bad `{name}` becomes 0",
                confidence=Confidence.MEDIUM,
            )


def _statement_of(node: Node) -> Node:
    for parent in ancestors(node):
        if parent.type.endswith("_statement") or parent.type in ("short_var_declaration", "return_statement"):
            return parent
    return node


def _money_field_receiving(ctx: FileContext, use: Node) -> str:
    """`req.Amount = &amount` -> "req.Amount"; `Price: amount` in a literal -> "Price"; else ''."""
    current = use
    for parent in ancestors(use):
        if parent.type in ("unary_expression", "parenthesized_expression", "expression_list", "literal_element"):
            current = parent
            continue
        if parent.type == "assignment_statement":
            left = parent.child_by_field_name("left")
            right = parent.child_by_field_name("right")
            if left is None or right is None or not (right.start_byte <= use.start_byte < right.end_byte):
                return ""
            target = left.named_children[0] if len(left.named_children) == 1 else None
            if target is not None and target.type == "selector_expression" and is_money(ctx, last_name(target)):
                return node_text(target)
            return ""
        if parent.type == "keyed_element":
            children = [c for c in parent.named_children if c.type != "comment"]
            if len(children) == 2 and children[1].id == current.id:
                key = node_text(children[0])
                return key if is_money(ctx, key) else ""
            return ""
        return ""
    return ""

