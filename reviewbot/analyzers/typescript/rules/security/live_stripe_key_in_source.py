"""RB715 live-stripe-key-in-source: a live PSP secret key is written in TypeScript source."""

from __future__ import annotations

import re

import tree_sitter

from reviewbot.analyzers.treesitter.nodes import node_text
from reviewbot.analyzers.typescript.rule import TypeScriptRule, bad, good
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Evidence, Family

Node = tree_sitter.Node

_SECRETS = (
    ("Stripe secret key", re.compile(r"(?<![A-Za-z0-9_])sk_live_[A-Za-z0-9]{16,}")),
    ("Stripe restricted key", re.compile(r"(?<![A-Za-z0-9_])rk_live_[A-Za-z0-9]{16,}")),
    ("Stripe webhook secret", re.compile(r"(?<![A-Za-z0-9_])whsec_[A-Za-z0-9+/=]{24,}")),
)
_PLACEHOLDER = re.compile(r"x{6,}|\*{4,}|\.\.\.|your|example|placeholder|redacted|dummy|fake|<|\{", re.IGNORECASE)


class LiveStripeKeyInSource(TypeScriptRule):
    code = "RB715"
    name = "live-stripe-key-in-source"
    family = Family.SECURITY
    severity = Severity.ERROR
    summary = "A live Stripe secret key, restricted key or webhook secret is written in TypeScript source."
    rationale = (
        "A live secret key in the repository can create charges, refunds and payouts for anyone who can read "
        "the code, its history or a leaked build; rotating it is an incident. Test keys (`sk_test_`) are not "
        "reported."
    )
    help = (
        "Read the key from the environment or a secret manager (`process.env.STRIPE_SECRET_KEY`), and roll the "
        "leaked key in the Stripe dashboard: it stays in git history."
    )
    references = ("https://docs.stripe.com/keys#safe-keys",)
    triggers = ("sk_live_", "rk_live_", "whsec_")
    runs_on_tests = True
    evidence = (Evidence(Confidence.HIGH, "a string literal holds a complete live key or webhook secret"),)
    examples = (
        bad(
            # Split so that the literal in this Python file is not itself a live key (RB702).
            'export const stripe = new Stripe("sk_live_' + '51HxQ2aLkdIwHu7ix9aPq2MnYv3kT8bW");\n',
            line=1,
            confidence=Confidence.HIGH,
        ),
        good(
            """\
            export const stripe = new Stripe(process.env.STRIPE_SECRET_KEY!);
            const sample = "sk_live_xxxxxxxxxxxxxxxxxxxxxxxx";
            const testKey = "sk_test_51HxQ2aLkdIwHu7ix9aPq2MnYv3kT8bW";
            """
        ),
    )

    def visit_string_fragment(self, node: Node) -> None:
        text = node_text(node)
        for label, pattern in _SECRETS:
            match = pattern.search(text)
            if match is not None and not _PLACEHOLDER.search(match.group(0)):
                shown = match.group(0)[:12] + "…"
                self.report(node, f"{label} `{shown}` is written in the source")
                return
