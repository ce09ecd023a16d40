"""RB301-RB304: regression suites of safe look-alikes and tricky bad cases, and the catalogue config."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from reviewbot.analyzers.python.engine import analyze_source
from reviewbot.analyzers.python.rules.idempotency import IDEMPOTENCY_RULES
from reviewbot.config import Config, IdempotencyConfig, PspCall, load_config
from reviewbot.errors import ConfigError

REGRESSIONS = Path(__file__).parents[3] / "regressions" / "idempotency"
EXPECT = re.compile(r"# expect: (RB3\d\d)(?: (high|medium|low))?")


def findings(source: str, config: Config | None = None, path: str = "app/payments.py"):
    config = config or Config(select=("RB3",), test_policy="strict")
    return analyze_source(path, textwrap.dedent(source).encode(), config, rule_types=IDEMPOTENCY_RULES)


def codes(source: str, config: Config | None = None) -> list[str]:
    return sorted(f.rule for f in findings(source, config))


def test_safe_look_alikes_produce_no_finding():
    source = (REGRESSIONS / "safe_lookalikes.py.txt").read_text()
    assert findings(source) == []


def test_tricky_bad_cases_are_reported_on_their_marked_lines_and_nowhere_else():
    source = (REGRESSIONS / "flagged.py.txt").read_text()
    expected = {
        (match.group(1), number, match.group(2) or "high")
        for number, line in enumerate(source.splitlines(), start=1)
        if (match := EXPECT.search(line))
    }
    assert {(f.rule, f.line, f.confidence.value) for f in findings(source)} == expected


CASES = [
    pytest.param(
        """
        import stripe as s
        def refund(payment):
            return s.Refund.create(payment_intent=payment.intent_id)
        """,
        ["RB301"],
        id="module-alias-resolved-through-imports",
    ),
    pytest.param(
        """
        import stripe
        def capture(payment_id):
            return stripe.PaymentIntent.retrieve(payment_id).capture()
        """,
        ["RB301"],
        id="method-on-a-retrieved-instance",
    ),
    pytest.param(
        """
        import stripe
        def charge(order):
            params = {"amount": order.amount_minor, "currency": "usd"}
            return stripe.PaymentIntent.create(**params)
        """,
        ["RB301"],
        id="params-dict-without-key-through-double-star",
    ),
    pytest.param(
        """
        import stripe
        def charge(order):
            params = {"amount": order.amount_minor, "currency": "usd", "idempotency_key": f"o:{order.id}"}
            return stripe.PaymentIntent.create(**params)
        """,
        [],
        id="params-dict-with-key-through-double-star",
    ),
    pytest.param(
        """
        from stripe import StripeClient
        client = StripeClient("sk_test_x")
        def charge(order):
            return client.payment_intents.create({"amount": order.amount_minor}, {"idempotency_key": f"o:{order.id}"})
        """,
        [],
        id="older-stripe-client-namespace-with-positional-options",
    ),
    pytest.param(
        """
        import stripe
        def charge(stripe_client, order):
            options = {}
            options["idempotency_key"] = f"pi:{order.id}"
            return stripe_client.v1.payment_intents.create(params={"amount": 1}, options=options)
        """,
        [],
        id="options-key-set-by-item-assignment",
    ),
    pytest.param(
        """
        import Adyen
        def refund(adyen, request, payment):
            return adyen.checkout.modifications_api.refund_captured_payment(
                request, payment.psp_reference, idempotency_key=f"refund:{payment.id}"
            )
        """,
        [],
        id="adyen-with-key",
    ),
    pytest.param(
        """
        from checkout_sdk.checkout_sdk import CheckoutSdk
        api = CheckoutSdk.builder().build()
        def pay(request):
            return api.payments.request_payment(request)
        """,
        ["RB301"],
        id="checkout-com-without-key",
    ),
    pytest.param(
        """
        from mollie.api.client import Client
        mollie = Client()
        def pay(order):
            return mollie.payments.create({"amount": {"value": order.amount_text, "currency": "EUR"}}, f"order-{order.id}")
        """,
        [],
        id="mollie-key-as-positional-argument",
    ),
    pytest.param(
        """
        from paypalserversdk.paypal_serversdk_client import PaypalServersdkClient
        def create(paypal, order):
            return paypal.orders.create_order({"body": order.body, "paypal_request_id": f"order-{order.id}"})
        """,
        [],
        id="paypal-request-id-option",
    ),
    pytest.param(
        """
        import braintree
        def settle(gateway, params):
            return gateway.transaction.sale(params)
        """,
        ["RB301"],
        id="braintree-params-we-cannot-see-are-reported-at-medium",
    ),
    pytest.param(
        """
        import httpx
        def search(query):
            return httpx.post(f"{BASE}/payments/search", json=query)
        """,
        [],
        id="post-to-a-non-money-path-under-payments",
    ),
    pytest.param(
        """
        import httpx
        def capture(payment):
            url = f"{BASE}/payments/{payment.psp_id}/capture"
            return httpx.post(url, json={"amount_to_capture": payment.amount_minor})
        """,
        ["RB301"],
        id="hyperswitch-capture-url-through-a-variable",
    ),
    pytest.param(
        """
        import aiohttp
        async def refund(session, payment):
            async with session.request("POST", f"{BASE}/v1/refunds", data={"charge": payment.charge_id}) as resp:
                return await resp.json()
        """,
        ["RB301"],
        id="request-with-post-method",
    ),
    pytest.param(
        """
        import httpx
        def _headers(key):
            return {"api-key": API_KEY, "Idempotency-Key": key}
        async def pay(client, payment):
            return await client.post(f"{BASE}/payments", headers=_headers(f"pay-{payment.id}"), json=payment.body)
        """,
        [],
        id="header-from-a-same-module-helper",
    ),
    pytest.param(
        """
        import stripe, uuid
        def charge(request, order):
            key = request.headers.get("Idempotency-Key") or str(uuid.uuid4())
            return stripe.PaymentIntent.create(amount=order.amount_minor, currency="usd", idempotency_key=key)
        """,
        ["RB302"],
        id="random-fallback-key",
    ),
    pytest.param(
        """
        import stripe
        from datetime import datetime
        def pay_out(account):
            return stripe.Payout.create(
                amount=account.balance_minor, currency="usd", idempotency_key=f"p-{account.id}-{datetime.now():%H%M%S}"
            )
        """,
        ["RB302"],
        id="clock-key-with-time-of-day",
    ),
    pytest.param(
        """
        import stripe
        def charge(orders):
            for i in range(len(orders)):
                try:
                    stripe.Charge.create(amount=orders[i].amount_minor, currency="usd")
                except stripe.CardError:
                    log.warning("declined")
        """,
        ["RB301"],
        id="loop-over-items-is-not-a-retry",
    ),
    pytest.param(
        """
        import stripe
        def charge(order):
            for attempt in range(3):
                try:
                    return stripe.Charge.create(amount=order.amount_minor, currency="usd")
                except stripe.CardError:
                    raise
        """,
        ["RB301"],
        id="loop-whose-handler-always-raises-is-not-a-retry",
    ),
]


CASES += [
    pytest.param(
        """
        class Gateway:
            def refund(self, payment):
                return self.stripe.Refund.create(payment_intent=payment.intent_id)
        """,
        ["RB301"],
        id="sdk-module-held-on-an-attribute",
    ),
    pytest.param(
        """
        class Gateway:
            def refund(self, payment):
                return self._with_retries("refund", lambda: self.stripe.Refund.create(payment_intent=payment.psp_id))
        """,
        ["RB304"],
        id="lambda-handed-to-a-retrying-helper",
    ),
    pytest.param(
        """
        from fastapi import APIRouter
        router = APIRouter()

        @router.post("/v1/charges")
        def create_charge(request, services):
            return services.intents.create(amount=request.json()["amount"])
        """,
        ["RB303"],
        id="handler-whose-route-names-a-money-movement",
    ),
    pytest.param(
        """
        from fastapi import APIRouter
        router = APIRouter()

        @router.post("/v1/payment_intents/{intent_id}/cancel")
        def cancel(request, services):
            return services.intents.cancel(request.path_params["intent_id"])
        """,
        [],
        id="handler-whose-route-moves-no-money",
    ),
]


CASES += [
    pytest.param(
        """
        import stripe
        class Provider:
            @property
            def api_kwargs(self):
                if self.connect:
                    return {"api_key": self.key, "stripe_account": self.account}
                return {"api_key": self.key}
            def refund(self, refund):
                return stripe.Refund.create(charge=refund.charge_id, **self.api_kwargs)
        """,
        ["RB301"],
        id="double-star-self-property-resolved-to-its-dicts",
    ),
    pytest.param(
        """
        import stripe
        class Provider:
            def __init__(self, refund):
                self.options = {"idempotency_key": f"refund:{refund.id}"}
            def refund(self, refund):
                return stripe.Refund.create(charge=refund.charge_id, **self.options)
        """,
        [],
        id="double-star-self-attribute-assigned-in-the-class-with-a-key",
    ),
    pytest.param(
        """
        import stripe
        class Provider:
            def refund(self, refund):
                return stripe.Refund.create(charge=refund.charge_id, **self.options)
        """,
        ["RB301"],
        id="double-star-self-attribute-nobody-assigns-is-medium",
    ),
    pytest.param(
        """
        import requests
        class Api:
            def _request(self, method, path, **kwargs):
                return self.session.request(method, self.base + path, **kwargs)
            def refund(self, payment):
                return self._request("POST", "/v1/refunds", json={"payment": payment.id})
            def refund_keyed(self, payment):
                return self._request("POST", "/v1/refunds", json={"payment": payment.id}, headers={"Idempotency-Key": f"r:{payment.id}"})
            def lookup(self, payment):
                return self._request("GET", "/v1/refunds", params={"payment": payment.id})
        """,
        ["RB301"],
        id="one-level-http-wrapper-judged-with-each-callers-arguments",
    ),
    pytest.param(
        """
        import uuid, requests
        def _send(path, body):
            return requests.post(BASE + path, json=body, headers={"Idempotency-Key": str(uuid.uuid4())})
        def charge(order):
            return _send("/v1/charges", {"amount": order.amount_minor})
        """,
        ["RB302"],
        id="fresh-key-made-inside-a-module-wrapper-reported-at-the-money-call",
    ),
    pytest.param(
        """
        import stripe
        class Gateway:
            def _refund(self, **params):
                return stripe.Refund.create(api_key=self.key, **params)
            def refund(self, charge):
                return self._refund(charge=charge.id)
            def refund_keyed(self, charge):
                return self._refund(charge=charge.id, idempotency_key=f"refund:{charge.id}")
        """,
        ["RB301"],
        id="sdk-wrapper-forwarding-kwargs-judged-at-its-callers-only",
    ),
    pytest.param(
        """
        from paypalcheckoutsdk.payments import CapturesRefundRequest
        def refund(client, refund):
            request = CapturesRefundRequest(refund.capture_id)
            request.headers["PayPal-Request-Id"] = f"refund:{refund.id}"
            return client.execute(request)
        """,
        [],
        id="paypal-checkout-request-with-its-header-set",
    ),
    pytest.param(
        """
        import uuid
        class Client:
            def execute(self, request):
                request.headers["PayPal-Request-Id"] = str(uuid.uuid4())
                return self.session.send(request)
        """,
        ["RB302"],
        id="fresh-paypal-request-id-stamped-by-an-http-client",
    ),
]


@pytest.mark.parametrize(("source", "expected"), CASES)
def test_regression_case(source, expected):
    assert codes(source) == expected


def test_keyless_call_inside_a_retry_is_one_rb304_not_also_rb301():
    source = """
        import stripe
        from tenacity import retry

        @retry
        def charge(order):
            return stripe.PaymentIntent.create(amount=order.amount_minor, currency="usd")
        """
    assert codes(source) == ["RB304"]


def test_random_key_inside_a_retry_is_one_rb302_not_also_rb304():
    source = """
        import stripe, uuid
        from tenacity import retry

        @retry
        def charge(order):
            return stripe.PaymentIntent.create(amount=order.amount_minor, currency="usd", idempotency_key=str(uuid.uuid4()))
        """
    assert codes(source) == ["RB302"]


def test_a_key_hidden_in_unseen_kwargs_is_reported_at_medium_and_names_what_hides_it():
    source = """
        import stripe
        class Provider:
            def refund(self, refund):
                return stripe.Refund.create(charge=refund.charge_id, **self.options)
        """
    [finding] = findings(source)
    assert (finding.rule, finding.confidence.value) == ("RB301", "medium")
    assert finding.message == (
        "`stripe.Refund.create` is called with `**self.options`, whose keys cannot be seen: "
        "no `idempotency_key=` is visible"
    )


def test_braintree_without_api_request_key_is_a_warning():
    source = """
        import braintree
        def refund(transaction_id):
            return braintree.Transaction.refund(transaction_id)
        """
    [finding] = findings(source)
    assert (finding.rule, finding.severity.value) == ("RB301", "warning")
    assert "api_request_key" in finding.message


def test_message_names_the_call_and_where_its_key_goes():
    source = """
        from stripe import StripeClient
        client = StripeClient("sk_test_x")
        def refund(payment):
            return client.v1.refunds.create(params={"payment_intent": payment.intent_id})
        """
    [finding] = findings(source)
    assert finding.message == "`client.v1.refunds.create` is called without `idempotency_key` in `options`"


def test_extended_catalogue_entry_is_checked_with_its_own_key_place():
    config = Config(
        select=("RB3",),
        test_policy="strict",
        idempotency=IdempotencyConfig(
            extend_psp_calls=(PspCall("acme_pay.Gateway.capture", key="kwarg:request_id", provider="acme"),)
        ),
    )
    bad = """
        from acme_pay import Gateway
        def capture(payment):
            return Gateway.capture(payment.acme_id)
        """
    good = """
        from acme_pay import Gateway
        def capture(payment):
            return Gateway.capture(payment.acme_id, request_id=f"capture:{payment.id}")
        """
    assert [f.message for f in findings(bad, config)] == [
        "`acme_pay.Gateway.capture` is called without `request_id=`"
    ]
    assert findings(good, config) == []


def test_psp_calls_replaces_the_builtin_catalogue():
    config = Config(
        select=("RB3",),
        test_policy="strict",
        idempotency=IdempotencyConfig(psp_calls=(PspCall("acme_pay.Gateway.capture"),)),
    )
    source = """
        import stripe
        def refund(payment):
            return stripe.Refund.create(payment_intent=payment.intent_id)
        """
    assert findings(source, config) == []


def test_configured_idempotency_header_is_accepted_on_requests_and_handlers():
    config = Config(
        select=("RB3",),
        test_policy="strict",
        idempotency=IdempotencyConfig(idempotency_headers=("X-Request-Key",)),
    )
    source = """
        import httpx
        from fastapi import APIRouter, Request
        router = APIRouter()

        @router.post("/checkout")
        async def checkout(request: Request):
            key = request.headers["X-Request-Key"]
            return httpx.post(f"{PSP}/payments", headers={"X-Request-Key": key}, json={"amount": 100})
        """
    assert findings(source, config) == []


def test_extend_psp_calls_loads_from_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        textwrap.dedent(
            """
            [[tool.reviewbot.idempotency.extend-psp-calls]]
            call = "*.acme.payouts.send"
            key = "header:X-Acme-Key,body:payout_ref"
            severity = "warning"
            provider = "acme"
            module = "acme"
            """
        )
    )
    config = load_config(tmp_path)
    [call] = config.idempotency.extend_psp_calls
    assert call == PspCall(
        "*.acme.payouts.send", "header:X-Acme-Key,body:payout_ref", "warning", "acme", "acme"
    )


@pytest.mark.parametrize("key", ["idempotency_key", "kwarg:", "header:", "query:key", "body:a||b"])
def test_malformed_key_place_is_a_config_error(key):
    with pytest.raises(ConfigError, match="is not a key place"):
        PspCall("acme.Gateway.capture", key=key)


def test_rules_do_not_run_on_test_files_under_the_relaxed_policy():
    source = """
        import stripe
        def test_refund(payment):
            stripe.Refund.create(payment_intent=payment.intent_id)
        """
    assert findings(source, Config(select=("RB3",)), path="tests/test_refunds.py") == []


def test_a_configured_psp_call_is_checked_in_a_file_without_builtin_trigger_words():
    from reviewbot.analyzers.python.engine import analyze_source
    from reviewbot.config import Config, IdempotencyConfig, PspCall

    config = Config(
        idempotency=IdempotencyConfig(
            extend_psp_calls=(PspCall(call="acme_pay.Gateway.settle", key="kwarg:request_id", module="acme_pay"),)
        )
    )
    source = b"import acme_pay\n\n\ndef settle_batch(batch_id: str) -> None:\n    acme_pay.Gateway.settle(batch=batch_id)\n"
    findings = analyze_source("app/settle.py", source, config)
    assert [(f.rule, f.line) for f in findings] == [("RB301", 5)]
