"""RB704 signature-compared-with-equals: a signature, MAC or secret token compared with == instead of compare_digest."""

from __future__ import annotations

import libcst as cst

from reviewbot.analyzers.python.names import call_chain, iter_descendants, string_value
from reviewbot.analyzers.python.rule import FileContext, PythonRule
from reviewbot.analyzers.python.rules.security._request import (
    enclosing_functions,
    is_in_assertion,
    is_parameter,
    is_request_input,
    is_session_value,
    says_received,
)
from reviewbot.config import split_words
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Bad, Evidence, Family, FixSafety, Good

# "digest" alone is left out: content digests (cache keys, ETags) are compared with == legitimately;
# a variable assigned from an HMAC's digest()/hexdigest() is tracked instead.
_SECRET_WORDS = frozenset({"signature", "signatures", "sig", "hmac", "mac", "token", "secret"})
# Words that make a secret-looking name plainly non-secret metadata.
_NOT_SECRET_WORDS = frozenset(
    {"version", "type", "scheme", "algorithm", "alg", "method", "name", "len", "length", "count", "id", "ids",
     "page", "next", "cursor", "pagination", "continuation", "address", "expires", "expiry", "expiration",
     "at", "ttl", "kind", "format", "encoding", "status", "present", "enabled", "required",
     "valid", "is", "has", "prefix", "field", "email", "user", "limit"}
)
_DIGEST_METHODS = frozenset({"hexdigest", "digest"})


class SignatureComparedWithEquals(PythonRule):
    code = "RB704"
    name = "signature-compared-with-equals"
    family = Family.SECURITY
    severity = Severity.ERROR
    summary = "A signature, MAC or secret token is compared with == or != instead of hmac.compare_digest."
    rationale = (
        "`==` on strings stops at the first differing character, so the time a webhook endpoint takes "
        "to reject a forged signature leaks how many leading characters were right. An attacker can "
        "recover a valid signature byte by byte and forge PSP events. `hmac.compare_digest` takes the "
        "same time whatever the input. The attack needs a side the attacker chooses: a comparison of two "
        "stored values (old and new ticket secret), a value from the requester's own session, or an "
        "assertion in a test is no timing oracle and is not reported."
    )
    help = "Compare with `hmac.compare_digest(expected, received)` (and `not hmac.compare_digest(...)` for !=)."
    references = (
        "https://docs.python.org/3/library/hmac.html#hmac.compare_digest",
        "https://docs.stripe.com/webhooks#verify-manually",
    )
    fix_safety = FixSafety.UNSAFE
    triggers = ("sig", "Sig", "SIG", "digest", "mac", "MAC", "Mac", "token", "Token", "TOKEN", "secret", "SECRET")
    runs_on_tests = True
    evidence = (
        Evidence(
            Confidence.HIGH,
            "one side comes from the request (`request.headers[...]`, `request.GET.get(...)`, a local assigned "
            "from one, a `Header()` parameter), or one side is an HMAC computed here, and the other a secret",
        ),
        Evidence(
            Confidence.MEDIUM,
            "one side is a parameter of the function or named as received (`provided_token`, `received_sig`), "
            "the other a secret: the caller may pass request data",
        ),
    )
    examples = (
        Good(
            """\
            SECRET_REDACTED = "*****"


            def keep_stored_secret(submitted: str, stored: str) -> str:
                return stored if submitted == SECRET_REDACTED else submitted
            """
        ),
        Bad(
            """\
import hashlib
import hmac


def is_valid(payload: bytes, received: str) -> bool:
    return hmac.new(WEBHOOK_KEY, payload, hashlib.sha256).hexdigest() == received
""",
            line=6,
            confidence=Confidence.HIGH,
            fixed="""\
import hashlib
import hmac


def is_valid(payload: bytes, received: str) -> bool:
    return hmac.compare_digest(hmac.new(WEBHOOK_KEY, payload, hashlib.sha256).hexdigest(), received)
""",
        ),
        Bad(
            """\
import hmac


def check_signature(request: Request, expected_signature: str) -> None:
    if request.headers["X-Signature"] != expected_signature:
        raise PermissionDenied("bad signature")
""",
            line=5,
            confidence=Confidence.HIGH,
            fixed="""\
import hmac


def check_signature(request: Request, expected_signature: str) -> None:
    if not hmac.compare_digest(request.headers["X-Signature"], expected_signature):
        raise PermissionDenied("bad signature")
""",
        ),
        Bad(
            """\
def authenticate_callback(provided_token: str) -> bool:
    return provided_token == settings.PSP_CALLBACK_TOKEN
""",
            line=2,
            confidence=Confidence.MEDIUM,
        ),
        Good(
            """\
def test_regenerating_the_ticket_secret(order):
    old_secret = order.positions.first().secret
    regenerate_secrets(order)
    assert order.positions.first().secret != old_secret
"""
        ),
        Good(
            """\
def change_ticket_secret(position, secret: str) -> None:
    new_secret = secret or generate_secret()
    if position.secret != new_secret:
        position.revoked_secrets.create(secret=position.secret)
        position.secret = new_secret
"""
        ),
        Good(
            """\
def update_position(position, validated_data):
    secret = validated_data.get("secret", position.secret)
    if secret != position.secret:
        position.revoked_secrets.create(secret=position.secret)
        position.secret = secret
"""
        ),
        Good(
            """\
def oauth_return(request):
    if request.GET.get("state") != request.session["oauth_state_token"]:
        raise PermissionDenied("state mismatch")
"""
        ),
        Good(
            """\
import hashlib
import hmac


def is_valid(payload: bytes, received: str) -> bool:
    expected = hmac.new(WEBHOOK_KEY, payload, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, received)
"""
        ),
        Good(
            """\
def parse_signature_header(header: str) -> dict[str, str]:
    parts = dict(item.split("=", 1) for item in header.split(","))
    if parts.get("v") == "1" or signature_version == "v1":
        return parts
    return {}
"""
        ),
        Good(
            """\
def next_page(response: dict[str, str], page_token: str) -> bool:
    return response.get("next_page_token") != page_token and response["token_type"] == "bearer"
"""
        ),
        Good(
            """\
def has_signature(signature: str | None) -> bool:
    return signature is not None and signature != ""
"""
        ),
    )

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.hmac_values: set[str] = set()  # names assigned from hmac.new(...).digest()/hexdigest()

    def visit_Assign(self, node: cst.Assign) -> None:
        if _is_hmac_digest(node.value):
            for target in node.targets:
                if isinstance(target.target, cst.Name):
                    self.hmac_values.add(target.target.value)

    def visit_Comparison(self, node: cst.Comparison) -> None:
        if len(node.comparisons) != 1:
            return
        target = node.comparisons[0]
        if not isinstance(target.operator, (cst.Equal, cst.NotEqual)):
            return
        left, right = node.left, target.comparator
        if _is_literal(left) or _is_literal(right) or is_in_assertion(self.ctx):
            return
        label = _secret_label(left) or _secret_label(right) or self._hmac_value(left) or self._hmac_value(right)
        if label is None or self._is_change_detection(node, left, right):
            return
        found = self._evidence(left, right)
        if found is None:
            return
        level, why = found
        replacement = None
        if "hmac" in self.ctx.imports:
            code = self.ctx.module.code_for_node
            call = f"hmac.compare_digest({code(left).strip()}, {code(right).strip()})"
            replacement = call if isinstance(target.operator, cst.Equal) else f"not {call}"
        operator = "==" if isinstance(target.operator, cst.Equal) else "!="
        self.report(node, f"`{label}` is compared with `{operator}`: {why}", replacement=replacement, confidence=level)

    def _evidence(self, left: cst.BaseExpression, right: cst.BaseExpression) -> tuple[Confidence, str] | None:
        """How sure the rule is that one side is attacker-supplied and the other a secret; None: no timing oracle."""
        function = self.ctx.enclosing_function()
        sides = (left, right)
        scopes = enclosing_functions(self.ctx)
        inputs = [is_request_input(side, scopes) for side in sides]
        if all(inputs) or any(is_session_value(side) for side in sides):
            return None  # both from the request, or the requester's own session value: nothing to leak
        code = self.ctx.module.code_for_node
        for side, is_input in ((left, inputs[0]), (right, inputs[1])):
            if is_input:
                return Confidence.HIGH, f"`{_short(code(side))}` comes from the request"
        for side, other in ((left, right), (right, left)):
            if _is_hmac_digest(side) or self._hmac_value(side) or _is_computed_secret(side):
                return Confidence.HIGH, f"a signature computed here is checked against `{_short(code(other))}`"
        for side, other in ((left, right), (right, left)):
            received = says_received(side) or (is_parameter(side, function) and not is_parameter(other, function))
            if received and (_secret_label(side) or _secret_label(other)):
                return Confidence.MEDIUM, f"`{_short(code(side))}` is handed in by the caller"
        return None

    def _is_change_detection(self, node: cst.Comparison, left: cst.BaseExpression, right: cst.BaseExpression) -> bool:
        """`if new_secret != position.secret: position.secret = new_secret`: the branch stores one side, so the
        comparison asks "did it change?", not "may this caller in?"."""
        statement = self.ctx.parent
        if not isinstance(statement, cst.If) or statement.test is not node:
            return False
        code = self.ctx.module.code_for_node
        sides = {" ".join(code(side).split()) for side in (left, right)}
        for sub in iter_descendants(statement.body):
            if isinstance(sub, cst.Raise):
                return False
        for sub in iter_descendants(statement.body):
            if isinstance(sub, cst.Assign) and " ".join(code(sub.value).split()) in sides:
                return True
            if isinstance(sub, cst.Call) and any(" ".join(code(a.value).split()) in sides for a in sub.args):
                receiver = (call_chain(sub.func) or "").lower()
                if not any(word in receiver for word in ("log", "messages", "print", "warn")):
                    return True
        return False

    def _hmac_value(self, node: cst.BaseExpression) -> str | None:
        return node.value if isinstance(node, cst.Name) and node.value in self.hmac_values else None


def _is_hmac_digest(node: cst.BaseExpression) -> bool:
    return (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value in _DIGEST_METHODS
        and "hmac" in (call_chain(node.func.value) or "").lower()
    )


# Words of a function that computes the expected value of a signature (`make_secret`, `compute_signature`).
_SIGNING_NOUNS = frozenset({"signature", "sig", "hmac", "mac", "digest", "hexdigest", "secret", "sign"})
_SIGNING_VERBS = frozenset({"make", "compute", "calculate", "calc", "generate", "get", "build", "create", "sign",
                            "expected"})


def _is_computed_secret(node: cst.BaseExpression) -> bool:
    """`make_secret(form)`, `compute_signature(payload)`, `self._sign(body)`: the expected value, computed here."""
    if not isinstance(node, cst.Call):
        return False
    words = split_words((call_chain(node.func) or "").rsplit(".", 1)[-1])
    return bool(words) and words[0] in _SIGNING_VERBS and bool(_SIGNING_NOUNS & set(words))


def _is_literal(node: cst.BaseExpression) -> bool:
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString, cst.Integer, cst.Float)):
        return True
    if isinstance(node, cst.Name) and node.value in ("None", "True", "False"):
        return True
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "len":
        return True
    return _is_sentinel(node)


_SENTINEL_WORDS = ("REDACTED", "MASK", "PLACEHOLDER", "SENTINEL", "EMPTY", "UNSET", "DUMMY", "MISSING")
_ENUM_OWNER_WORDS = ("Type", "Kind", "Field", "Enum", "Choice", "Status", "Mode")


def _is_sentinel(node: cst.BaseExpression) -> bool:
    """`SECRET_REDACTED` or an enum member like `ConfigurationTypeField.SECRET`: a marker, not a secret
    (while `settings.PSP_CALLBACK_TOKEN` stays a secret)."""
    if isinstance(node, cst.Name):
        return node.value.isupper() and any(w in node.value for w in _SENTINEL_WORDS)
    if isinstance(node, cst.Attribute) and node.attr.value.isupper():
        if any(w in node.attr.value for w in _SENTINEL_WORDS):
            return True
        owner = node.value.attr.value if isinstance(node.value, cst.Attribute) else (
            node.value.value if isinstance(node.value, cst.Name) else "")
        return owner[:1].isupper() and any(w in owner for w in _ENUM_OWNER_WORDS)
    return False


def _is_secret_name(name: str) -> bool:
    words = split_words(name)
    return any(w in _SECRET_WORDS for w in words) and not any(w in _NOT_SECRET_WORDS for w in words)


def _secret_label(node: cst.BaseExpression) -> str | None:
    """A short label for a signature-like operand, or None when it does not look secret."""
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        if _is_hmac_digest(node):
            return f"{call_chain(node.func.value)}(…).{node.func.attr.value}()"
        return f"{call_chain(node.func)}(…)" if _is_computed_secret(node) else None
    if isinstance(node, cst.Call):
        return f"{call_chain(node.func)}(…)" if _is_computed_secret(node) else None
    if isinstance(node, cst.Name):
        return node.value if _is_secret_name(node.value) else None
    if isinstance(node, cst.Attribute):
        return call_chain(node) if _is_secret_name(node.attr.value) else None
    if isinstance(node, cst.Subscript) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
        key = string_value(node.slice[0].slice.value)
        if key is not None and _is_secret_name(key.replace("-", "_")):
            return f'{call_chain(node.value) or "value"}["{key}"]'
    return None


def _short(text: str, limit: int = 48) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
