"""RB210 swallowing-catch-block: a catch around a PSP call or a database write discards the error."""

from __future__ import annotations

import tree_sitter

from reviewbot.analyzers.typescript.rule import TypeScriptRule, bad, good
from reviewbot.analyzers.typescript.rules.exceptions._stakes import highest, stakes, swallows
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Evidence, Family

Node = tree_sitter.Node


class SwallowingCatchBlock(TypeScriptRule):
    code = "RB210"
    name = "swallowing-catch-block"
    family = Family.EXCEPTIONS
    severity = Severity.ERROR
    summary = (
        "A catch block around a PSP call or a database write is empty or only returns null, undefined or false."
    )
    rationale = (
        "Around a capture, refund or ledger write, an empty catch turns a failed or timed-out money movement "
        "into apparent success: the caller goes on, or retries with a new request and charges twice. ESLint's "
        "no-empty is silenced by a comment inside the block and never sees `catch { return null }`. Catches "
        "around URL parsing, caches or notifications are not reported: nothing is lost there."
    )
    help = "Log the error with context and rethrow it, or return an explicit error result the caller must handle."
    references = ("https://eslint.org/docs/latest/rules/no-empty",)
    triggers = ("catch",)
    requires = (("stripe", "Stripe", "insert", "update", "delete", "create", "upsert", "save", "persist", "execute", "query", "INSERT", "UPDATE"),)
    evidence = (
        Evidence(Confidence.HIGH, "the try block moves money at the PSP or writes money or a payment row"),
        Evidence(Confidence.MEDIUM, "the try block reads from the PSP or writes another database row"),
    )
    examples = (
        bad(
            """\
            try {
              await stripe.refunds.create({ payment_intent: intentId }, { idempotencyKey: key });
            } catch (err) {
              // ignore
            }
            """,
            line=3,
            confidence=Confidence.HIGH,
        ),
        bad(
            """\
            export async function touchCustomer(db: Database, id: string) {
              try {
                await db.update(customers).set({ lastSeenAt: new Date() }).where(eq(customers.id, id));
              } catch {
                return null;
              }
            }
            """,
            line=4,
            confidence=Confidence.MEDIUM,
        ),
        good(
            """\
            try {
              await stripe.refunds.create({ payment_intent: intentId }, { idempotencyKey: key });
            } catch (err) {
              logger.error({ err, intentId }, "refund failed");
              throw err;
            }
            """
        ),
        good(
            """\
            function hostOf(url: string): string | null {
              try {
                return new URL(url).host;
              } catch {
                return null;
              }
            }
            """
        ),
    )

    def visit_catch_clause(self, node: Node) -> None:
        if not swallows(node.child_by_field_name("body")):
            return
        try_statement = node.parent
        body = try_statement.child_by_field_name("body") if try_statement is not None else None
        if body is None:
            return
        stake = highest(stakes(self.ctx, body))
        if stake is None:
            return
        self.report(node, f"this catch discards the error of `{stake.label}`", confidence=stake.confidence)
