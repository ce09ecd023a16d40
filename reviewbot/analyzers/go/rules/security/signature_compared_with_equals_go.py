"""RB723 signature-compared-with-equals-go: a webhook signature or shared secret is compared with `==`."""

from __future__ import annotations

import re

import tree_sitter

from reviewbot.analyzers.go.http import header_reads
from reviewbot.analyzers.go.rule import GoRule, bad, good
from reviewbot.analyzers.go.syntax import (
    arguments,
    assignments_to,
    call_chain,
    enclosing_function,
    imports,
    specs,
    top_level,
    unparen,
)
from reviewbot.analyzers.treesitter.nodes import node_text, one_line
from reviewbot.analyzers.treesitter.rule import FileContext
from reviewbot.config import split_words
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Evidence, Family

Node = tree_sitter.Node

_SIGNATURE_WORDS = frozenset({"sig", "signature", "signatures", "hmac", "mac", "digest", "signed"})
_SECRET_WORDS = frozenset({"secret", "token", "apikey", "api"})
# What a side's lower-cased text holds when `_kind_of` names it: a word above, or a header's sig, mac or key.
_KIND_PARTS = ("sig", "mac", "digest", "secret", "token", "api", "key")
_HMAC = re.compile(r"hmac\.New|\.Sum\(nil\)|EncodeToString\(\w*\.Sum|sha256\.Sum256|[Cc]ompute\w*(Signature|Mac|Hmac|HMAC)\(|[Ss]ign\w*\(")
_EQUALITY_CALLS = frozenset({"bytes.Equal", "strings.EqualFold", "reflect.DeepEqual", "strings.Compare", "bytes.Compare"})


def _kind(name: str) -> str | None:
    words = set(split_words(name))
    if words & _SIGNATURE_WORDS:
        return "signature"
    if words & _SECRET_WORDS and not words & {"id", "type", "name", "url", "expiry", "expires", "count", "len", "length"}:
        return "secret"
    return None


class SignatureComparedWithEqualsGo(GoRule):
    code = "RB723"
    name = "signature-compared-with-equals-go"
    family = Family.SECURITY
    severity = Severity.ERROR
    summary = (
        "A webhook signature, HMAC or shared secret is compared with `==`, `!=`, `bytes.Equal` or "
        "`strings.EqualFold` instead of a constant-time comparison."
    )
    rationale = (
        "`==` on strings and `bytes.Equal` stop at the first differing byte, so the response time says how many "
        "leading bytes of a forged signature were right. Repeated requests recover a valid signature byte by "
        "byte, and with it the ability to send \"payment succeeded\" events."
    )
    help = "Compare with `hmac.Equal(expected, received)` or `subtle.ConstantTimeCompare(a, b) == 1`."
    references = (
        "https://pkg.go.dev/crypto/hmac#Equal",
        "https://pkg.go.dev/crypto/subtle#ConstantTimeCompare",
    )
    triggers = ("ignature", "hmac", "HMAC", "Hmac", "ecret", "oken", "piKey", "PIKey")
    call_names = frozenset({"Equal", "EqualFold", "DeepEqual", "Compare"})
    evidence = (
        Evidence(
            Confidence.HIGH,
            "one side is read from the request (a header) or computed by HMAC, and the other is named as a "
            "signature or secret",
        ),
        Evidence(Confidence.MEDIUM, "both sides are only named as a signature or secret"),
    )
    examples = (
        bad(
            """\
            package webhooks

            func valid(r *http.Request, body []byte, secret string) bool {
                mac := hmac.New(sha256.New, []byte(secret))
                mac.Write(body)
                expected := hex.EncodeToString(mac.Sum(nil))
                return r.Header.Get("X-Signature") == expected
            }
            """,
            line=7,
            confidence=Confidence.HIGH,
        ),
        bad(
            """\
            package webhooks

            func (v *Verifier) matches(receivedSignature, expectedSignature []byte) bool {
                return bytes.Equal(receivedSignature, expectedSignature)
            }
            """,
            line=4,
            confidence=Confidence.MEDIUM,
        ),
        good(
            """\
            package webhooks

            func valid(r *http.Request, body []byte, secret string) bool {
                signature := r.Header.Get("X-Signature")
                if signature == "" || len(signature) != 64 {
                    return false
                }
                mac := hmac.New(sha256.New, []byte(secret))
                mac.Write(body)
                expected := hex.EncodeToString(mac.Sum(nil))
                return hmac.Equal([]byte(signature), []byte(expected))
            }
            """
        ),
    )

    def visit_binary_expression(self, node: Node) -> None:
        operator = node.child_by_field_name("operator")
        if operator is None or node_text(operator) not in ("==", "!="):
            return
        lowered = node_text(node).lower()
        if not any(word in lowered for word in _KIND_PARTS):
            return  # neither side could name a signature or a secret (`_kind_of`)
        self._judge(node, node.child_by_field_name("left"), node.child_by_field_name("right"))

    def visit_call_expression(self, node: Node) -> None:
        if ".".join(call_chain(node)) not in _EQUALITY_CALLS:
            return
        args = arguments(node)
        if len(args) == 2:
            self._judge(node, args[0], args[1])

    def _judge(self, at: Node, left: Node | None, right: Node | None) -> None:
        left, right = unparen(left), unparen(right)
        if left is None or right is None:
            return
        if any(side.type in ("interpreted_string_literal", "raw_string_literal", "nil", "int_literal", "true", "false")
               or node_text(side) in ('""', "nil") or node_text(side).startswith("len(") for side in (left, right)):
            return
        if any(self._is_constant(side) for side in (left, right)):
            return  # compared with a constant: a scheme or key name, not a secret
        kinds = [self._kind_of(side) for side in (left, right)]
        named = [k for k in kinds if k is not None]
        if not named:
            return
        function = enclosing_function(at)
        evidence = [self._evidence(side, function) for side in (left, right)]
        strong = [e for e in evidence if e is not None]
        if strong and named:
            self.report(at, f"`{one_line(node_text(at), 60)}` compares a {named[0]} ({strong[0]}) in variable time")
        elif len(named) == 2:
            self.report(
                at, f"`{one_line(node_text(at), 60)}` compares a {named[0]} in variable time", confidence=Confidence.MEDIUM
            )

    def _is_constant(self, node: Node) -> bool:
        if node.type != "identifier" and not (node.type == "selector_expression" and re.fullmatch(r"[a-z]\w*\.[A-Z]\w*", node_text(node))):
            return False
        name = node_text(node).rsplit(".", 1)[-1]
        return name in self.ctx.fact(_constants) or (node.type == "selector_expression" and name[:1].isupper()
                                                      and node_text(node).split(".")[0] in imports(self.ctx))

    def _kind_of(self, node: Node) -> str | None:
        text = node_text(node)
        if "Header" in text or "GetHeader" in text:
            return "signature" if re.search(r"sig|hmac|mac", text, re.I) else "secret" if re.search(r"secret|token|key", text, re.I) else None
        match = re.findall(r"[A-Za-z_]\w*", text)
        for name in reversed(match):
            kind = _kind(name)
            if kind is not None:
                return kind
        return None

    def _evidence(self, node: Node, function: Node | None) -> str | None:
        text = node_text(node)
        if "Header" in text or "GetHeader" in text:
            return "read from the request"
        if _HMAC.search(text):
            return "computed by HMAC"
        if node.type == "call_expression" and call_chain(node)[:1] in (("string",), ("hex",)):
            inner = arguments(node)
            if inner and _HMAC.search(node_text(inner[0])):
                return "computed by HMAC"
        if function is None:
            return None
        names = re.findall(r"^[A-Za-z_]\w*$", text)
        for name in names:
            for assignment in assignments_to(self.ctx, function, name):
                value = assignment.value
                if value is None:
                    continue
                if _HMAC.search(node_text(value)):
                    return "computed by HMAC"
                if any(call.start_byte >= value.start_byte and call.end_byte <= value.end_byte
                       for call, _ in header_reads(self.ctx, value)):
                    return "read from the request"
        return None


def _constants(ctx: FileContext) -> frozenset[str]:
    """The names the file declares with `const`."""
    return frozenset(
        node_text(name)
        for declaration in top_level(ctx, "const_declaration")
        for spec in specs(declaration, "const_spec")
        for name in spec.children_by_field_name("name")
    )
