"""RB314 uuid-idempotency-key-per-attempt: a stripe-go idempotency key made fresh (uuid, clock) at each call."""

from __future__ import annotations

import re

import tree_sitter

from reviewbot.analyzers.go.rule import GoRule, bad, good
from reviewbot.analyzers.go.stripe import CLIENT_PARAMS, PACKAGE_PARAMS, params_type, stripe_names
from reviewbot.analyzers.go.syntax import (
    FUNCTION_TYPES,
    arguments,
    assignments_to,
    call_chain,
    enclosing_function,
    root_name,
    unaddress,
    uses_of,
)
from reviewbot.analyzers.treesitter.nodes import ancestors, node_text, one_line
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Evidence, Family

Node = tree_sitter.Node

# Generators of a value that differs on every call: random ids and the clock.
_FRESH = re.compile(
    r"^(uuid\.(New|NewString|NewRandom|NewV4|NewV7|Must|NewUUID)|ksuid\.New|xid\.New|ulid\.(Make|New|MustNew)"
    r"|shortid\.Generate|nanoid\.New|gonanoid\.New|time\.Now|rand\.\w+|cuid\.New)$"
)
_LOOPS = frozenset({"for_statement"})


def fresh_generator(ctx_descendants: list[Node]) -> Node | None:
    """The first call among these nodes that makes a fresh value (`uuid.NewString()`, `time.Now()`)."""
    for call in ctx_descendants:
        if call.type == "call_expression" and _FRESH.match(".".join(call_chain(call))):
            return call
    return None


class UUIDIdempotencyKeyPerAttempt(GoRule):
    code = "RB314"
    name = "uuid-idempotency-key-per-attempt"
    family = Family.IDEMPOTENCY
    severity = Severity.ERROR
    summary = "A stripe-go idempotency key is made with a random id or the clock where the call is made."
    rationale = (
        "A key protects against a retry only if the retry sends the same key. `uuid.NewString()` at the call "
        "(or inside the retry loop) gives every attempt a new key, so Stripe treats the retry as a new refund, "
        "charge or payout: the key is there and protects nothing."
    )
    help = (
        "Derive the key from what the attempt is for, stored before the first attempt: "
        "`params.SetIdempotencyKey(\"payout:\" + payout.ID)`, or generate it once, persist it with the record, "
        "and reuse it on every retry."
    )
    references = ("https://docs.stripe.com/api/idempotent_requests",)
    triggers = ("IdempotencyKey",)
    call_names = frozenset({"SetIdempotencyKey"})
    evidence = (
        Evidence(
            Confidence.HIGH,
            "the generator is the key's argument (`SetIdempotencyKey(uuid.NewString())`, "
            "`IdempotencyKey: stripe.String(uuid.NewString())`) or runs inside the loop that retries the call",
        ),
        Evidence(
            Confidence.MEDIUM,
            "the key is a variable generated earlier in the same function and used for nothing else, or the "
            "params it is set on move no money (a customer, a subscription item)",
        ),
    )
    examples = (
        bad(
            """\
            package payouts

            func (s *Service) Pay(ctx context.Context, p Payout) error {
                params := &stripe.PayoutCreateParams{Amount: stripe.Int64(p.AmountMinor), Currency: stripe.String(p.Currency)}
                params.SetIdempotencyKey(uuid.NewString())
                _, err := s.sc.V1Payouts.Create(ctx, params)
                return err
            }
            """,
            line=5,
            confidence=Confidence.HIGH,
        ),
        bad(
            """\
            package payouts

            func (s *Service) Pay(ctx context.Context, p Payout) error {
                key := uuid.New().String()
                params := &stripe.PayoutCreateParams{Amount: stripe.Int64(p.AmountMinor), Currency: stripe.String(p.Currency)}
                params.SetIdempotencyKey(key)
                _, err := s.sc.V1Payouts.Create(ctx, params)
                return err
            }
            """,
            line=6,
            confidence=Confidence.MEDIUM,
        ),
        good(
            """\
            package payouts

            func (s *Service) Pay(ctx context.Context, p Payout) error {
                params := &stripe.PayoutCreateParams{Amount: stripe.Int64(p.AmountMinor), Currency: stripe.String(p.Currency)}
                params.SetIdempotencyKey("payout:" + p.ID)
                _, err := s.sc.V1Payouts.Create(ctx, params)
                return err
            }

            func (s *Service) Retry(ctx context.Context, p Payout) error {
                key := uuid.NewString()
                if err := s.store.SaveKey(ctx, p.ID, key); err != nil {
                    return err
                }
                for attempt := 0; attempt < 3; attempt++ {
                    params := &stripe.PayoutCreateParams{Amount: stripe.Int64(p.AmountMinor)}
                    params.SetIdempotencyKey(key)
                    if _, err := s.sc.V1Payouts.Create(ctx, params); err == nil {
                        return nil
                    }
                }
                return errPayoutFailed
            }
            """
        ),
    )

    def visit_call_expression(self, node: Node) -> None:
        parts = call_chain(node)
        if not parts or parts[-1] != "SetIdempotencyKey":
            return
        args = arguments(node)
        if args:
            self._judge(node, args[0])

    def visit_keyed_element(self, node: Node) -> None:
        children = [c for c in node.named_children if c.type != "comment"]
        if len(children) != 2 or node_text(children[0]) != "IdempotencyKey":
            return
        literal = next((p for p in ancestors(node) if p.type == "composite_literal"), None)
        type_node = literal.child_by_field_name("type") if literal is not None else None
        package = type_node.child_by_field_name("package") if type_node is not None and type_node.type == "qualified_type" else None
        if package is not None and node_text(package) in stripe_names(self.ctx):
            self._judge(node, children[1])

    def visit_assignment_statement(self, node: Node) -> None:
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if left is None or right is None or not node_text(left).endswith(".IdempotencyKey"):
            return
        if not any(node_text(right).startswith(f"{name}.String(") for name in stripe_names(self.ctx)):
            return
        if right.named_children:
            self._judge(node, right.named_children[0])

    def _moves_money(self, at: Node) -> bool:
        """Whether the params the key is set on move money (a Refund, not a Customer or SubscriptionItem):
        the literal around the key, or the literal the params variable was built from."""
        literal = next((p for p in ancestors(at) if p.type == "composite_literal"), None)
        while literal is not None:
            type_name = params_type(self.ctx, literal)
            if type_name is not None and type_name != "Params":
                return type_name in CLIENT_PARAMS or type_name in PACKAGE_PARAMS
            literal = next((p for p in ancestors(literal) if p.type == "composite_literal"), None)
        target = at.child_by_field_name("function") if at.type == "call_expression" else at.child_by_field_name("left")
        name = root_name(target) if target is not None else ""
        function = enclosing_function(at)
        if not name or function is None:
            return True
        earlier = [a for a in assignments_to(self.ctx, function, name) if a.statement.start_byte < at.start_byte]
        for assignment in reversed(earlier):  # the nearest assignment before the key is set
            value = unaddress(assignment.value)
            if value is not None and value.type == "composite_literal":
                type_name = params_type(self.ctx, value)
                if type_name is not None:
                    return type_name in CLIENT_PARAMS or type_name in PACKAGE_PARAMS
        return True  # built elsewhere: assume the worst

    def _judge(self, at: Node, value: Node) -> None:
        generator = fresh_generator(self.ctx.descendants(value, "call_expression"))
        if generator is not None:
            money = self._moves_money(at)
            self.report(
                at,
                f"the idempotency key is `{one_line(node_text(generator), 40)}`, new on every call"
                + ("" if money else " (the call moves no money)"),
                confidence=Confidence.HIGH if money else Confidence.MEDIUM,
            )
            return
        inner = unaddress(value)
        if inner is not None and inner.type == "call_expression" and call_chain(inner)[-1:] in (("String",),) and arguments(inner):
            inner = unaddress(arguments(inner)[0])
        if inner is None or inner.type != "identifier":
            return
        function = enclosing_function(at)
        if function is None:
            return
        name = node_text(inner)
        made = [a for a in assignments_to(self.ctx, function, name) if a.value is not None]
        if len(made) != 1 or made[0].value is None:
            return
        generator = fresh_generator(self.ctx.descendants(made[0].value, "call_expression"))
        if generator is None:
            return
        others = [u for u in uses_of(self.ctx, function, name) if u.id != inner.id and u.id != made[0].target.id]
        if others:
            return  # stored or passed on: it may be the key every retry reuses
        in_loop = _loop_around(at, function)
        made_in_loop = in_loop is not None and in_loop.start_byte <= made[0].statement.start_byte
        self.report(
            at,
            f"the idempotency key `{name}` is `{one_line(node_text(generator), 40)}` made in this function"
            + (" inside the retry loop" if made_in_loop else ""),
            confidence=Confidence.HIGH if made_in_loop else Confidence.MEDIUM,
        )


def _loop_around(node: Node, function: Node) -> Node | None:
    for parent in ancestors(node):
        if parent.id == function.id or parent.type in FUNCTION_TYPES:
            return None
        if parent.type in _LOOPS:
            return parent
    return None
