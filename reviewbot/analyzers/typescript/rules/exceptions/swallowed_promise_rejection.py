"""RB211 swallowed-promise-rejection: `.catch(() => null)` on a PSP call or a database write."""

from __future__ import annotations

import tree_sitter

from reviewbot.analyzers.treesitter.nodes import node_text, one_line
from reviewbot.analyzers.typescript.rule import TypeScriptRule, bad, good
from reviewbot.analyzers.typescript.rules.exceptions._stakes import highest, stakes, swallows
from reviewbot.analyzers.typescript.syntax import FUNCTION_TYPES, arguments, callee, method_name, unwrap
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Evidence, Family

Node = tree_sitter.Node


class SwallowedPromiseRejection(TypeScriptRule):
    code = "RB211"
    name = "swallowed-promise-rejection"
    family = Family.EXCEPTIONS
    severity = Severity.ERROR
    summary = (
        "A PSP call's or database write's rejection is swallowed by `.catch(() => null)`, `.catch(() => {})` "
        "or `.catch(() => undefined)`."
    )
    rationale = (
        "A refund or ledger write that rejects then resolves to null, and the code after it cannot tell "
        "\"declined\" or \"timed out\" from \"nothing to do\". A timed-out capture read as nothing invites a "
        "retry with a new request, the classic double charge."
    )
    help = "Handle the rejection: log it with context and rethrow, or map it to an explicit error result."
    references = ("https://developer.mozilla.org/en-US/docs/Web/JavaScript/Reference/Global_Objects/Promise/catch",)
    triggers = (".catch(",)
    requires = (("stripe", "Stripe", "insert", "update", "delete", "create", "upsert", "save", "persist", "execute", "query", "INSERT", "UPDATE"),)
    call_names = frozenset({"catch"})
    evidence = (
        Evidence(Confidence.HIGH, "the promise moves money at the PSP or writes money or a payment row"),
        Evidence(Confidence.MEDIUM, "the promise reads from the PSP or writes another database row"),
    )
    examples = (
        bad(
            """\
            const refund = await stripe.refunds.create(params, { idempotencyKey: key }).catch(() => null);
            """,
            line=1,
            confidence=Confidence.HIGH,
        ),
        bad(
            """\
            await db.insert(auditEvents).values({ kind: "login", userId }).catch(() => {});
            """,
            line=1,
            confidence=Confidence.MEDIUM,
        ),
        good(
            """\
            const refund = await stripe.refunds
              .create(params, { idempotencyKey: key })
              .catch((err) => {
                logger.error({ err }, "refund failed");
                throw err;
              });
            const cached = await redis.get(key).catch(() => null);
            """
        ),
    )

    def visit_call_expression(self, node: Node) -> None:
        if method_name(node) != "catch":
            return
        args = arguments(node)
        handler = unwrap(args[0]) if len(args) == 1 else None
        if handler is None or handler.type not in FUNCTION_TYPES or not swallows(handler.child_by_field_name("body")):
            return
        function = unwrap(callee(node))
        promise = function.child_by_field_name("object") if function is not None else None
        if promise is None:
            return
        stake = highest(stakes(self.ctx, promise))
        if stake is None:
            return
        self.report(
            handler,
            f"`.catch({one_line(node_text(handler), 30)})` turns a failed `{stake.label}` into a silent value",
            confidence=stake.confidence,
        )
