"""PSP SDKs a Go file imports: the names their packages go by, so a value handed to one is known to reach a PSP."""

from __future__ import annotations

import re

from reviewbot.analyzers.go.stripe import stripe_names
from reviewbot.analyzers.go.syntax import imports
from reviewbot.analyzers.treesitter.rule import FileContext

# Import paths of PSP SDKs (stripe-go's subpackages included: `paymentintent`, `refund`...).
_PSP_IMPORT = re.compile(
    r"github\.com/stripe/stripe-go|braintree|adyen|plutov/paypal|paypal-go|checkout-sdk-go|square|mollie|razorpay|"
    r"gocardless|paddle|mercadopago|xendit|midtrans|omise|paystack|flutterwave|klarna|worldpay|authorizenet|"
    r"2checkout|payu|iyzipay|yookassa|cloudpayments|hyperswitch|rapyd|dlocal|moov-io",
    re.IGNORECASE,
)


def psp_names(ctx: FileContext) -> frozenset[str]:
    """The package names of PSP SDKs in this file (`stripe`, `braintree`, `paymentintent`...)."""
    return ctx.fact(_psp_names)


def _psp_names(ctx: FileContext) -> frozenset[str]:
    found = {name for name, path in imports(ctx).items() if _PSP_IMPORT.search(path)}
    return frozenset(found | stripe_names(ctx))
