"""RB725 live-stripe-key-in-source-go: a live Stripe secret is written in Go source."""

from __future__ import annotations

import re

import tree_sitter

from reviewbot.analyzers.go.rule import GoRule, bad, good
from reviewbot.analyzers.treesitter.nodes import node_text
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Evidence, Family

Node = tree_sitter.Node

_SECRETS = (
    ("Stripe secret key", re.compile(r"(?<![A-Za-z0-9_])sk_live_[A-Za-z0-9]{16,}")),
    ("Stripe restricted key", re.compile(r"(?<![A-Za-z0-9_])rk_live_[A-Za-z0-9]{16,}")),
    ("Stripe webhook secret", re.compile(r"(?<![A-Za-z0-9_])whsec_[A-Za-z0-9+/=]{24,}")),
)
_PLACEHOLDER = re.compile(r"x{6,}|X{6,}|\*{4,}|\.\.\.|your|example|placeholder|redacted|dummy|fake|<|\{", re.IGNORECASE)


class LiveStripeKeyInSourceGo(GoRule):
    code = "RB725"
    name = "live-stripe-key-in-source-go"
    family = Family.SECURITY
    severity = Severity.ERROR
    summary = "A live Stripe secret key, restricted key or webhook secret is written in Go source."
    rationale = (
        "A live secret key in the repository can create charges, refunds and payouts for anyone who can read the "
        "code, its history or a leaked binary (Go embeds string constants verbatim); rotating it is an incident. "
        "Test keys (`sk_test_`) are not reported."
    )
    help = (
        "Read the key from the environment or a secret manager (`stripe.Key = os.Getenv(\"STRIPE_SECRET_KEY\")`), "
        "and roll the leaked key in the Stripe dashboard: it stays in git history."
    )
    references = ("https://docs.stripe.com/keys#safe-keys",)
    triggers = ("_live_", "whsec_")
    runs_on_tests = True
    evidence = (Evidence(Confidence.HIGH, "a string literal holds a complete live key or webhook secret"),)
    examples = (
        bad(
            # Split so that reviewbot's own source holds no live-key literal (it gates itself).
            'package main\n\nfunc init() {\n    stripe.Key = "sk_live_' + '51HxQ2aLkdIwHu7ix9aPq2MnYv3kT8bW"\n}\n',
            line=4,
            confidence=Confidence.HIGH,
        ),
        good(
            """\
            package main

            const sampleKey = "sk_live_xxxxxxxxxxxxxxxxxxxxxxxx"
            const testKey = "sk_test_51HxQ2aLkdIwHu7ix9aPq2MnYv3kT8bW"

            func init() {
                stripe.Key = os.Getenv("STRIPE_SECRET_KEY")
            }
            """
        ),
    )

    def visit_interpreted_string_literal(self, node: Node) -> None:
        self._check(node)

    def visit_raw_string_literal(self, node: Node) -> None:
        self._check(node)

    def _check(self, node: Node) -> None:
        text = node_text(node)
        for label, pattern in _SECRETS:
            match = pattern.search(text)
            if match is not None and not _PLACEHOLDER.search(match.group(0)):
                self.report(node, f"{label} `{match.group(0)[:12]}…` is written in the source")
                return
