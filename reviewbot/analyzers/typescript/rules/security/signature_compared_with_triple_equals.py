"""RB713 signature-compared-with-triple-equals: a webhook signature is compared with `===`, not in constant time."""

from __future__ import annotations

import re

import tree_sitter

from reviewbot.analyzers.treesitter.nodes import node_text, one_line
from reviewbot.analyzers.typescript.rule import TypeScriptRule, bad, good
from reviewbot.analyzers.typescript.syntax import bindings, is_literal, unwrap
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Evidence, Family

Node = tree_sitter.Node

_SIGNATURE_NAME = re.compile(r"signature|^sig$|Sig$|digest|hmac|mac$|^expected|computed", re.IGNORECASE)
_HMAC = re.compile(r"createHmac\s*\(|\.digest\s*\(|crypto\.subtle\.sign|hmacSha256|hmac\(", re.IGNORECASE)
_REQUEST = re.compile(r"header|headers|req\.|request\.|c\.req|params|query|body", re.IGNORECASE)


class SignatureComparedWithTripleEquals(TypeScriptRule):
    code = "RB713"
    name = "signature-compared-with-triple-equals"
    family = Family.SECURITY
    severity = Severity.ERROR
    summary = "A computed HMAC signature is compared with the request's signature using `===` or `==`."
    rationale = (
        "`===` on strings stops at the first differing character, so the time it takes leaks how much of a "
        "forged signature is right; an attacker who can time requests recovers a valid signature byte by byte "
        "and forges payment webhooks."
    )
    help = (
        "Compare in constant time: `crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(received))` "
        "after checking both have the same length (or use the PSP SDK's verifier)."
    )
    references = ("https://nodejs.org/api/crypto.html#cryptotimingsafeequala-b",)
    triggers = ("createHmac", "digest", "hmac", "Hmac")
    evidence = (
        Evidence(Confidence.HIGH, "one side is an HMAC computed in the file, the other a value from the request"),
        Evidence(Confidence.MEDIUM, "both sides are named as signatures, and an HMAC is computed in the file"),
    )
    examples = (
        bad(
            """\
            import { createHmac } from "node:crypto";

            export function isValid(body: string, header: string, secret: string): boolean {
              const expected = createHmac("sha256", secret).update(body).digest("hex");
              return expected === header;
            }
            """,
            line=5,
            confidence=Confidence.HIGH,
        ),
        bad(
            """\
            export function check(payload: Payload) {
              const digest = hmacOf(payload.raw);
              return payload.signature === digest;
            }
            function hmacOf(raw: string) {
              return createHmac("sha256", secret).update(raw).digest("hex");
            }
            """,
            line=3,
            confidence=Confidence.MEDIUM,
        ),
        good(
            """\
            import { createHmac, timingSafeEqual } from "node:crypto";

            export function isValid(body: string, header: string, secret: string): boolean {
              const expected = Buffer.from(createHmac("sha256", secret).update(body).digest("hex"));
              const received = Buffer.from(header);
              return expected.length === received.length && timingSafeEqual(expected, received);
            }
            """
        ),
    )

    def visit_binary_expression(self, node: Node) -> None:
        operator = node.child_by_field_name("operator")
        if operator is None or operator.type not in ("===", "==", "!==", "!="):
            return
        left = unwrap(node.child_by_field_name("left"))
        right = unwrap(node.child_by_field_name("right"))
        if left is None or right is None or is_literal(left) or is_literal(right):
            return
        if _is_metadata(left) or _is_metadata(right):
            return
        left_hmac, right_hmac = self._is_hmac(left), self._is_hmac(right)
        if left_hmac or right_hmac:
            other = right if left_hmac else left
            if self._from_request(other):
                self.report(node, f"`{one_line(node_text(node), 50)}` compares an HMAC signature in variable time")
            return
        names = (_name(left), _name(right))
        if all(_SIGNATURE_NAME.search(n) for n in names) and _HMAC.search(self.ctx.source.decode("utf-8", "replace")):
            self.report(
                node,
                f"`{one_line(node_text(node), 50)}` compares signatures in variable time",
                confidence=Confidence.MEDIUM,
            )

    def _is_hmac(self, node: Node, depth: int = 0) -> bool:
        if _HMAC.search(node_text(node)):
            return True
        if node.type == "identifier" and depth < 2:
            bound = self.ctx.fact(bindings).value(node_text(node), node)
            return bound is not None and self._is_hmac(bound, depth + 1)
        return False

    def _from_request(self, node: Node) -> bool:
        text = node_text(node)
        if _REQUEST.search(text) or _SIGNATURE_NAME.search(_name(node)):
            return True
        if node.type == "identifier":
            bound = self.ctx.fact(bindings).value(text, node)
            return bound is not None and bool(_REQUEST.search(node_text(bound)))
        return node.type == "identifier"  # a parameter: what the caller received


def _name(node: Node) -> str:
    if node.type == "member_expression":
        prop = node.child_by_field_name("property")
        return node_text(prop) if prop is not None else ""
    return node_text(node) if node.type == "identifier" else ""


def _is_metadata(node: Node) -> bool:
    """`sig.length`, `typeof sig`: comparing a property of a signature is not comparing the signature."""
    if node.type == "member_expression" and _name(node) in ("length", "byteLength", "version", "algorithm"):
        return True
    return node.type == "unary_expression" and node_text(node).startswith("typeof")
