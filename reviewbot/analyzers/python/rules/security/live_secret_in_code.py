"""RB702 live-secret-in-code: a live PSP secret key written in the source."""

from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst

from reviewbot.analyzers.python.names import literal_value, string_value
from reviewbot.analyzers.python.rule import PythonRule
from reviewbot.config import split_words
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Bad, Evidence, Family, Good


@dataclass(frozen=True, slots=True)
class SecretPattern:
    provider: str
    prefix: str  # the only part of the secret a message may show
    regex: re.Pattern[str]
    needs_digit: bool = False


_EDGE = r"(?<![A-Za-z0-9_])"
# Formats from the providers' docs and gitleaks' rules; test/sandbox prefixes are deliberately excluded.
PATTERNS = (
    SecretPattern("Stripe secret key", "sk_live_", re.compile(_EDGE + r"sk_live_([A-Za-z0-9]{16,})")),
    SecretPattern("Stripe restricted key", "rk_live_", re.compile(_EDGE + r"rk_live_([A-Za-z0-9]{16,})")),
    SecretPattern("Stripe webhook secret", "whsec_", re.compile(_EDGE + r"whsec_([A-Za-z0-9+/=]{20,})")),
    SecretPattern("Adyen API key", "AQE", re.compile(_EDGE + r"AQE([A-Za-z0-9+/=_\-.~]{60,})")),
    SecretPattern(
        "Braintree production access token",
        "access_token$production$",
        re.compile(r"access_token\$production\$([0-9a-z]+\$[0-9a-f]+)"),
    ),
    SecretPattern(
        "Checkout.com secret key",
        "sk_",
        re.compile(
            _EDGE + r"sk_(?!test_|sbox_|live_)([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
            r"|[a-z0-9]{26,})(?![A-Za-z0-9_])"
        ),
        needs_digit=True,
    ),
    SecretPattern("Mollie live API key", "live_", re.compile(_EDGE + r"live_([A-Za-z0-9]{30,})(?![A-Za-z0-9_])"),
                  needs_digit=True),
)
_PLACEHOLDER_RE = re.compile(
    r"xxxx|\.\.\.|<|\*|your|example|placeholder|dummy|fake|redacted|changeme|replace|0{8}", re.IGNORECASE
)
_PAYPAL_SECRET_RE = re.compile(r"^[A-Za-z0-9_\-]{40,}$")


def find_secret(text: str) -> tuple[SecretPattern, int] | None:
    """The pattern a live secret in `text` matches and the secret's length; placeholders excluded."""
    for pattern in PATTERNS:
        for match in pattern.regex.finditer(text):
            tail = match.group(1)
            if _PLACEHOLDER_RE.search(tail) or len(set(tail)) < 6:
                continue
            if pattern.needs_digit and not (any(c.isdigit() for c in tail) and any(c.isalpha() for c in tail)):
                continue
            return pattern, len(match.group(0))
    return None


class LiveSecretInCode(PythonRule):
    code = "RB702"
    name = "live-secret-in-code"
    family = Family.SECURITY
    severity = Severity.ERROR
    summary = "A live PSP secret (Stripe, Adyen, Braintree, Checkout.com, Mollie, PayPal) is written in the code."
    rationale = (
        "A live secret key can create charges, refunds and payouts on the merchant's account. Once "
        "committed it is in every clone, fork, CI log and backup, and bots scrape public pushes for "
        "`sk_live_` within minutes; rotating it is the only remedy. Test keys (`sk_test_`, `sk_sbox_`) "
        "move no money and are fine in fixtures."
    )
    help = (
        "Rotate the key now, then read it from the environment or a secret manager "
        "(`os.environ[\"STRIPE_SECRET_KEY\"]`); keep only test keys in code and fixtures."
    )
    references = (
        "https://docs.stripe.com/keys#safe-keys",
        "https://github.com/gitleaks/gitleaks/blob/master/config/gitleaks.toml",
    )
    triggers = ("sk_", "rk_live_", "whsec_", "AQE", "access_token$production$", "live_", "paypal", "PAYPAL", "PayPal")
    runs_on_tests = True
    evidence = (
        Evidence(
            Confidence.HIGH,
            "the string has a provider's live-key format (`sk_live_`, `rk_live_`, `whsec_`, Adyen `AQE…`, "
            "Braintree `access_token$production$`, Checkout.com `sk_`, Mollie `live_`), placeholders excluded",
        ),
        Evidence(
            Confidence.MEDIUM,
            "a 40+ character random string assigned to a name that says PayPal client secret (PayPal secrets "
            "have no prefix of their own)",
        ),
    )
    # The example keys are split in two so that this module itself holds no key-shaped literal.
    examples = (
        Bad('import stripe\n\nstripe.api_key = "sk_live_' + '51HxQ2aLkdjf8Qw3Zr9TtYb6VnM0pLs4Kd"\n', line=3,
            confidence=Confidence.HIGH),
        Bad('STRIPE_WEBHOOK_SECRET = "whsec_' + '9fK2lQmZ0pR7tYb3VnX8cLs4Kd1wEa6H"\n', line=1),
        Bad(
            "gateway = braintree.BraintreeGateway(\n"
            '    access_token="access_token$production$' + 'x4c9mz3ks8q2wd7v$3f6a9b2c1d0e8f7a6b5c4d3e2f1a0b9c"\n'
            ")\n",
            line=2,
        ),
        Bad('mollie_client.set_api_key("live_' + 'dHar4XY7LxsDOtmnkVtjNVWXLSlXsM")\n', line=1),
        Bad(
            'PAYPAL_CLIENT_SECRET = "EHx8Qw3Zr9TtYb6VnM0pLs4Kd' + 'TqPz7LmN2vB5xC8rW1sE4uH6jK9gF3dA0yZ"\n',
            line=1,
            confidence=Confidence.MEDIUM,
        ),
        Good('import os\n\nimport stripe\n\nstripe.api_key = os.environ["STRIPE_SECRET_KEY"]\n'),
        Good('stripe.api_key = "sk_test_' + '51HxQ2aLkdjf8Qw3Zr9TtYb6VnM0pLs4Kd"\n'),
        Good('STRIPE_PUBLISHABLE_KEY = "pk_live_' + '51HxQ2aLkdjf8Qw3Zr9TtYb6VnM0pLs4Kd"\n'),
        Good('# .env.example\nSTRIPE_WEBHOOK_SECRET = "whsec_xxxxxxxxxxxxxxxxxxxxxxxxxxxx"\n'),
        Good('checkout_api = CheckoutSdk.builder().secret_key("sk_sbox_' + 'm73dzbpy7cf3gfd46xr4yj5xo4e").build()\n'),
    )

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        value = literal_value(node)
        if value is None:
            return
        text = value if isinstance(value, str) else value.decode("latin-1")
        self._check_text(node, text)

    def visit_FormattedStringText(self, node: cst.FormattedStringText) -> None:
        self._check_text(node, node.value)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            name = _name_of(target.target)
            if name:
                self._check_paypal(name, node.value)

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self._check_paypal(node.keyword.value, node.value)

    def _check_text(self, node: cst.CSTNode, text: str) -> None:
        found = find_secret(text)
        if found is not None:
            pattern, length = found
            self.report(node, f"{pattern.provider} `{pattern.prefix}…` ({length} characters) is written in the code")

    def _check_paypal(self, name: str, value: cst.BaseExpression) -> None:
        words = split_words(name)
        if "paypal" not in words or "secret" not in words or "sandbox" in words:
            return
        text = string_value(value)
        if text is not None and _PAYPAL_SECRET_RE.match(text) and not _PLACEHOLDER_RE.search(text):
            self.report(
                value,
                f"PayPal client secret ({len(text)} characters) is written in the code",
                confidence=Confidence.MEDIUM,
            )


def _name_of(target: cst.BaseAssignTargetExpression) -> str | None:
    if isinstance(target, cst.Name):
        return target.value
    if isinstance(target, cst.Attribute):
        return target.attr.value
    return None
