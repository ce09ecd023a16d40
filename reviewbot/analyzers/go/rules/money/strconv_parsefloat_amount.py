"""RB113 strconv-parsefloat-amount: a Go amount is parsed with strconv.ParseFloat."""

from __future__ import annotations

import tree_sitter

from reviewbot.analyzers.go.rule import GoRule, bad, good
from reviewbot.analyzers.go.rules.money._values import is_money, sink_of
from reviewbot.analyzers.go.syntax import (
    arguments,
    assignments_of,
    call_chain,
    enclosing_function,
    uses_of,
)
from reviewbot.analyzers.treesitter.nodes import ancestors, node_text, one_line
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Evidence, Family

Node = tree_sitter.Node


class StrconvParseFloatAmount(GoRule):
    code = "RB113"
    name = "strconv-parsefloat-amount"
    family = Family.MONEY
    severity = Severity.ERROR
    summary = "An amount read from text (a form, a CSV, an API field) is parsed with `strconv.ParseFloat`."
    rationale = (
        "`strconv.ParseFloat(\"0.29\", 64)` is 0.28999999999999998: the exact decimal the customer typed is "
        "gone before the first calculation, and converting it to cents later truncates to 28. Parsing is where "
        "exactness is kept or lost."
    )
    help = (
        "Parse into a decimal (`decimal.NewFromString(s)`) or straight into minor units, and check the error."
    )
    references = ("https://pkg.go.dev/github.com/shopspring/decimal#NewFromString",)
    triggers = ("Float",)
    call_names = frozenset({"ParseFloat"})
    evidence = (
        Evidence(
            Confidence.HIGH,
            "the parsed float reaches stripe-go params or a database write, directly or through one variable",
        ),
        Evidence(Confidence.MEDIUM, "the parsed value is named as money; where it goes is not seen"),
    )
    examples = (
        bad(
            """\
            package checkout

            func (h *Handler) topUp(ctx context.Context, r *http.Request, walletID string) error {
                amount, err := strconv.ParseFloat(r.FormValue("amount"), 64)
                if err != nil {
                    return err
                }
                _, err = h.db.ExecContext(ctx, `UPDATE wallets SET balance = balance + $1 WHERE id = $2`, amount, walletID)
                return err
            }
            """,
            line=4,
            confidence=Confidence.HIGH,
        ),
        bad(
            """\
            package checkout

            func tipFromForm(r *http.Request) float64 {
                tip, _ := strconv.ParseFloat(r.FormValue("tip"), 64)
                return tip
            }
            """,
            line=4,
            confidence=Confidence.MEDIUM,
        ),
        good(
            """\
            package checkout

            func amountFromForm(r *http.Request) (decimal.Decimal, error) {
                return decimal.NewFromString(r.FormValue("amount"))
            }

            func samplingRate(raw string) (float64, error) {
                return strconv.ParseFloat(raw, 64)
            }
            """
        ),
    )

    def visit_call_expression(self, node: Node) -> None:
        if ".".join(call_chain(node)) != "strconv.ParseFloat" or len(arguments(node)) != 2:
            return
        statement = next((a for a in ancestors(node) if a.type in ("short_var_declaration", "assignment_statement")), None)
        if statement is None:
            return
        target = next(
            (a for a in assignments_of(statement) if a.index == 0 and a.value is not None and a.value.id == node.id),
            None,
        )
        if target is None or target.target.type != "identifier" or target.name == "_":
            return
        name = target.name
        function = enclosing_function(node)
        if function is None:
            return
        for use in uses_of(self.ctx, function, name):
            if use.start_byte <= statement.end_byte:
                continue
            sink = sink_of(self.ctx, use, function)
            if sink is not None:
                self.report(node, f"`{name}` is parsed by `{one_line(node_text(node), 40)}` and reaches {sink.label}")
                return
        if is_money(self.ctx, name):
            self.report(
                node, f"amount `{name}` is parsed with `{one_line(node_text(node), 40)}`", confidence=Confidence.MEDIUM
            )
