"""RB313 stripe-go-params-without-idempotency-key: stripe-go params for a money-moving call carry no key."""

from __future__ import annotations

import tree_sitter

from reviewbot.analyzers.go.rule import GoRule, bad, good
from reviewbot.analyzers.go.stripe import (
    CLIENT_METHODS,
    CLIENT_PARAMS,
    NON_MOVING_METHODS,
    PACKAGE_METHODS,
    PACKAGE_PARAMS,
    USUALLY_CREATED,
    Movement,
    StripeCall,
    key_setter,
    literal_fields,
    literal_key,
    money_call,
    params_type,
    receives_params,
)
from reviewbot.analyzers.go.syntax import (
    arguments,
    assignments_of,
    assignments_to,
    callee_name,
    calls_of_function,
    enclosing_function,
    function_name,
    functions_named,
    parameters,
    unparen,
)
from reviewbot.analyzers.treesitter.nodes import ancestors, node_text
from reviewbot.analyzers.treesitter.rule import FileContext
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Evidence, Family

Node = tree_sitter.Node

# Params fields that make a creation move money at once rather than leave a draft.
_MOVES_NOW = {
    "PaymentIntentCreateParams": ("Confirm", "OffSession"),
    "PaymentIntentParams": ("Confirm", "OffSession"),
    "InvoiceCreateParams": ("AutoAdvance", "CollectionMethod"),
    "InvoiceParams": ("AutoAdvance", "CollectionMethod"),
}


class StripeGoParamsWithoutIdempotencyKey(GoRule):
    code = "RB313"
    name = "stripe-go-params-without-idempotency-key"
    family = Family.IDEMPOTENCY
    severity = Severity.ERROR
    summary = (
        "stripe-go params for a money-moving call (PaymentIntent, Refund, Charge, Transfer, Payout, Invoice, "
        "InvoiceItem...) reach the call without an idempotency key."
    )
    rationale = (
        "stripe-go retries its own network errors with one key, but a retry by the application (a job re-run, "
        "a queue redelivery, a client re-POST after a timeout) builds new params and Stripe sees a new request: "
        "a second refund, a second off-session charge, a duplicate invoice item billed on the next invoice. "
        "Confirming, capturing, paying or finalizing an existing object is refused the second time by Stripe's "
        "state machine, so those are reported at medium confidence."
    )
    help = (
        "Derive a key from the record the call is for and set it on the params: "
        "`params.SetIdempotencyKey(\"refund:\" + refund.ID)` (or `Params: stripe.Params{IdempotencyKey: ...}`)."
    )
    references = (
        "https://docs.stripe.com/api/idempotent_requests",
        "https://pkg.go.dev/github.com/stripe/stripe-go/v82#Params.SetIdempotencyKey",
    )
    triggers = ("Params", "nil)")
    requires = (("stripe",),)
    call_names = frozenset(method for _, method in (*CLIENT_METHODS, *PACKAGE_METHODS))
    evidence = (
        Evidence(
            Confidence.HIGH,
            "a params literal that creates money movement (a refund, charge, transfer, payout, invoice item, a "
            "confirmed or off-session PaymentIntent, an auto-advancing invoice) reaches its stripe-go call, in "
            "the same function or through a builder in the same file, and no key is set on the way",
        ),
        Evidence(
            Confidence.MEDIUM,
            "the call is a confirm, capture, pay or finalize (Stripe refuses a repeat), the PaymentIntent or "
            "invoice is created as a draft, or the params leave the file and the call is not seen",
        ),
    )
    examples = (
        bad(
            """\
            package billing

            func (s *Service) Refund(ctx context.Context, r Refund) (*stripe.Refund, error) {
                return s.sc.V1Refunds.Create(ctx, &stripe.RefundCreateParams{
                    PaymentIntent: stripe.String(r.PaymentIntentID),
                    Amount:        stripe.Int64(r.AmountMinor),
                })
            }
            """,
            line=4,
            confidence=Confidence.HIGH,
        ),
        bad(
            """\
            package billing

            func chargeSaved(ctx context.Context, sc *stripe.Client, inv Invoice) error {
                params := &stripe.PaymentIntentCreateParams{
                    Amount:        stripe.Int64(inv.AmountDueMinor),
                    Currency:      stripe.String(inv.Currency),
                    Customer:      stripe.String(inv.StripeCustomerID),
                    PaymentMethod: stripe.String(inv.PaymentMethodID),
                    OffSession:    stripe.Bool(true),
                    Confirm:       stripe.Bool(true),
                }
                _, err := sc.V1PaymentIntents.Create(ctx, params)
                return err
            }
            """,
            line=4,
            confidence=Confidence.HIGH,
        ),
        bad(
            """\
            package billing

            func capture(ctx context.Context, sc *stripe.Client, intentID string) error {
                _, err := sc.V1PaymentIntents.Capture(ctx, intentID, &stripe.PaymentIntentCaptureParams{})
                return err
            }
            """,
            line=4,
            confidence=Confidence.MEDIUM,
        ),
        good(
            """\
            package billing

            func (s *Service) Refund(ctx context.Context, r Refund) (*stripe.Refund, error) {
                params := &stripe.RefundCreateParams{
                    PaymentIntent: stripe.String(r.PaymentIntentID),
                    Amount:        stripe.Int64(r.AmountMinor),
                }
                params.SetIdempotencyKey("refund:" + r.ID)
                return s.sc.V1Refunds.Create(ctx, params)
            }

            func payOutOfBand(ctx context.Context, sc *stripe.Client, invoiceID string) error {
                _, err := sc.V1Invoices.Pay(ctx, invoiceID, &stripe.InvoicePayParams{PaidOutOfBand: stripe.Bool(true)})
                return err
            }
            """
        ),
    )

    def visit_composite_literal(self, node: Node) -> None:
        type_name = params_type(self.ctx, node)
        if type_name is None:
            return
        movement = CLIENT_PARAMS.get(type_name) or PACKAGE_PARAMS.get(type_name)
        if movement is None or literal_key(node) is not None:
            return
        function = enclosing_function(node)
        if function is None:
            return
        holder = _holder(node)
        if holder.type == "argument_list":
            call = holder.parent
            if call is None:
                return
            stripe_call = money_call(self.ctx, call)
            if stripe_call is None:
                return
            self._decide(node, type_name, stripe_call.movement, stripe_call, function, None)
            return
        if holder.type == "return_statement":
            self._returned(node, type_name, movement, function, None)
            return
        name = _assigned_name(holder, node)
        if not name:
            return
        # The variable holds these params until it is assigned again (`params` reused for another call).
        reassigned = [a.statement.start_byte for a in assignments_to(self.ctx, function, name)
                      if a.statement.start_byte > node.end_byte]
        until = min(reassigned) if reassigned else None
        if key_setter(self.ctx, function, name, after=node.start_byte, before=until) is not None:
            return
        calls = [c for c in self.ctx.descendants(function, "call_expression") if receives_params(c, name)]
        if any(callee_name(c) in NON_MOVING_METHODS for c in calls):
            return
        for call in calls:
            stripe_call = money_call(self.ctx, call)
            if stripe_call is not None:
                self._decide(node, type_name, stripe_call.movement, stripe_call, function, name)
                return
        if _returns(self.ctx, function, name):
            self._returned(node, type_name, movement, function, name)
            return
        for call in calls:
            forwarded = self._forwarded(call, name)
            if isinstance(forwarded, StripeCall):
                self._decide(node, type_name, forwarded.movement, forwarded, function, name)
                return
            if forwarded is False:
                return
        if not calls and type_name in USUALLY_CREATED:
            return  # built and never sent here: nothing to judge

    def visit_call_expression(self, node: Node) -> None:
        """`sc.V1PaymentIntents.Confirm(ctx, id, nil)`: a money-moving call with no params at all."""
        args = arguments(node)
        if not args or node_text(args[-1]) != "nil":
            return
        stripe_call = money_call(self.ctx, node)
        if stripe_call is None:
            return
        self.report(
            node,
            f"`{stripe_call.label}` ({stripe_call.movement.label}) is called with nil params, so no idempotency key",
            confidence=stripe_call.movement.confidence if not stripe_call.movement.state_guarded else Confidence.MEDIUM,
        )

    def _decide(
        self, literal: Node, type_name: str, movement: Movement, call: StripeCall, function: Node, name: str | None
    ) -> None:
        if type_name in ("InvoicePayParams",) and _field_true(self.ctx, literal, function, name, "PaidOutOfBand"):
            return  # marking an invoice paid outside Stripe moves no money
        confidence = self._confidence(literal, type_name, movement, function, name)
        self.report(
            literal,
            f"`stripe.{type_name}` reaches `{call.label}` ({movement.label}) with no idempotency key",
            confidence=confidence,
        )

    def _confidence(self, literal: Node, type_name: str, movement: Movement, function: Node, name: str | None) -> Confidence:
        if movement.state_guarded:
            return Confidence.MEDIUM
        fields = _MOVES_NOW.get(type_name)
        if fields is not None and not any(_field_true(self.ctx, literal, function, name, f) for f in fields):
            return Confidence.MEDIUM
        return movement.confidence

    def _returned(self, literal: Node, type_name: str, movement: Movement, function: Node, name: str | None) -> None:
        """A builder returns the params: judge its callers in this file."""
        builder = function_name(function)
        if not builder:
            return
        sent: list[tuple[Node, StripeCall]] = []
        for call in calls_of_function(self.ctx, builder):
            caller = enclosing_function(call)
            target = _assigned_name(_holder(call), call) if caller is not None else ""
            if caller is None or not target:
                continue
            if key_setter(self.ctx, caller, target) is not None:
                return
            for use in self.ctx.descendants(caller, "call_expression"):
                stripe_call = money_call(self.ctx, use) if receives_params(use, target) else None
                if stripe_call is not None:
                    sent.append((use, stripe_call))
        if sent:
            sender = sent[0][1]
            confidence = self._confidence(literal, type_name, movement, function, name)
            self.report(
                literal,
                f"`stripe.{type_name}` built by `{builder}` reaches `{sender.label}` on line "
                f"{sender.node.start_point.row + 1} ({movement.label}) with no idempotency key",
                confidence=confidence,
            )
        elif type_name in CLIENT_PARAMS and not movement.state_guarded:
            self.report(
                literal,
                f"`stripe.{type_name}` ({movement.label}) is returned by `{builder}` without an idempotency key; "
                "no caller in this file sets one",
                confidence=Confidence.MEDIUM,
            )

    def _forwarded(self, call: Node, name: str) -> StripeCall | bool | None:
        """A same-file helper handed the params: its money call (None if it makes none), or False when it
        sets a key."""
        helper_name = callee_name(call)
        helpers = functions_named(self.ctx, helper_name)
        if len(helpers) != 1:
            return None
        helper = helpers[0]
        position = next((i for i, arg in enumerate(arguments(call)) if node_text(unparen(arg) or arg).lstrip("&") == name), -1)
        params = parameters(helper, receiver=False)
        if position < 0 or position >= len(params):
            return None
        inner = params[position].name
        if key_setter(self.ctx, helper, inner) is not None:
            return False
        for use in self.ctx.descendants(helper, "call_expression"):
            if receives_params(use, inner):
                found = money_call(self.ctx, use)
                if found is not None:
                    return found
        return None


def _holder(node: Node) -> Node:
    """What receives the literal: the argument list, expression list, return or keyed element above it."""
    current = node
    for parent in ancestors(node):
        if parent.type in ("unary_expression", "parenthesized_expression"):
            current = parent
            continue
        return parent if parent.type != "expression_list" else parent.parent or parent
    return current


def _assigned_name(holder: Node, value: Node) -> str:
    """The variable a `:=`, `=` or `var` gives the literal (or call) to."""
    if holder.type not in ("short_var_declaration", "assignment_statement", "var_spec"):
        return ""
    for assignment in assignments_of(holder):
        if assignment.value is not None and assignment.value.start_byte <= value.start_byte < assignment.value.end_byte:
            if assignment.target.type == "identifier" and assignment.index == 0:
                return assignment.name
    return ""


def _returns(ctx: FileContext, function: Node, name: str) -> bool:
    for statement in ctx.descendants(function, "return_statement"):
        for child in statement.named_children:
            values = child.named_children if child.type == "expression_list" else [child]
            if any(node_text(v).lstrip("&") == name for v in values):
                return True
    return False


def _field_true(ctx: FileContext, literal: Node, function: Node, name: str | None, field: str) -> bool:
    """Whether the params turn `field` on: `Confirm: stripe.Bool(true)` in the literal or assigned later
    (`params.CollectionMethod = stripe.String("charge_automatically")` counts for CollectionMethod)."""
    values: list[Node] = []
    value = literal_fields(literal).get(field)
    if value is not None:
        values.append(value)
    if name:
        for statement in ctx.descendants(function, "assignment_statement"):
            left = statement.child_by_field_name("left")
            right = statement.child_by_field_name("right")
            if left is not None and right is not None and node_text(left).replace(" ", "") == f"{name}.{field}":
                values.extend(right.named_children)
    for found in values:
        text = node_text(found)
        if field == "CollectionMethod":
            if "ChargeAutomatically" in text or "charge_automatically" in text:
                return True
        elif "true" in text or (found.type == "identifier" and text != "false"):
            return True
    return False
