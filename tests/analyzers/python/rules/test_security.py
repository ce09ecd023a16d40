"""RB7xx security rules: regression suites of safe look-alikes and leaks, plus secret-key edge cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewbot.analyzers.python.rules.security import SECURITY_RULES
from reviewbot.config import Config
from reviewbot.core.findings import Finding
from tests.analyzers.python.rules.family import marked, run_family

REGRESSIONS = Path(__file__).parents[3] / "regressions" / "security"
CODES = tuple(rule.code for rule in SECURITY_RULES)

# Key-shaped test values are assembled at run time so that no file in the repository holds one.
STRIPE_LIVE = "sk_" + "live_" + "51HxQ2aLkdjf8Qw3Zr9TtYb6VnM0pLs4Kd"
STRIPE_RESTRICTED = "rk_" + "live_" + "51HxQ2aLkdjf8Qw3Zr9TtYb6VnM0pLs4Kd"
ADYEN = "AQE" + "yhmfxK4PJaBFLw0m/n3Q5qf3VaY9UCJ1+XWZe9W27jmlZiv4PD4jhfNMofnLr2K5i8/0QwV1bDb7kfNy1WIxIIkxgBw==-lUKXT9IQ5GZ6d6RH4nnuOG4Bu6G4Ms0g1HwSG0KkK7Y="
CHECKOUT_LIVE = "sk_" + "m73dzbpy7cf3gfd46xr4yj5xo4e"
CHECKOUT_LEGACY = "sk_" + "3f6a9b2c-1d0e-8f7a-6b5c-4d3e2f1a0b9c"


def findings_for(code: str, path: str = "payments/checkout.py", config: Config | None = None) -> list[Finding]:
    return run_family(SECURITY_RULES, code, path, config)


def codes_and_lines(code: str, path: str = "payments/checkout.py") -> list[tuple[str, int]]:
    return sorted((f.rule, f.line) for f in findings_for(code, path))


class TestRB7xxSecurity:
    def test_the_family_registers_four_rules_sorted_by_code(self):
        assert CODES == ("RB701", "RB702", "RB703", "RB704")


    def test_safe_lookalikes_produce_no_finding(self):
        source = (REGRESSIONS / "safe_lookalikes.py").read_text()
        assert [(f.rule, f.line, f.message) for f in findings_for(source)] == []


    def test_each_marked_leak_is_reported_with_its_code_and_nothing_else(self):
        source = (REGRESSIONS / "leaks.py").read_text()
        expected = marked(source)
        assert len(expected) >= 18
        assert codes_and_lines(source) == expected


    @pytest.mark.parametrize(
        ("secret", "provider", "prefix"),
        [
            (STRIPE_LIVE, "Stripe secret key", "sk_live_"),
            (STRIPE_RESTRICTED, "Stripe restricted key", "rk_live_"),
            (ADYEN, "Adyen API key", "AQE"),
            (CHECKOUT_LIVE, "Checkout.com secret key", "sk_"),
            (CHECKOUT_LEGACY, "Checkout.com secret key", "sk_"),
        ],
    )
    def test_a_live_secret_is_reported_with_its_prefix_and_length_but_never_its_value(self, secret, provider, prefix):
        findings = findings_for(f'API_KEY = "{secret}"\n')
        assert [f.message for f in findings] == [
            f"{provider} `{prefix}…` ({len(secret)} characters) is written in the code"
        ]
        assert secret[len(prefix):len(prefix) + 6] not in findings[0].message


    def test_a_live_secret_inside_an_fstring_header_is_reported(self):
        findings = findings_for(f'headers = {{"Authorization": f"Bearer {STRIPE_LIVE}", "X-Request": f"{{rid}}"}}\n')
        assert [f.rule for f in findings] == ["RB702"]


    @pytest.mark.parametrize(
        "value",
        [
            "sk_" + "test_" + "51HxQ2aLkdjf8Qw3Zr9TtYb6VnM0pLs4Kd",
            "sk_" + "sbox_" + "m73dzbpy7cf3gfd46xr4yj5xo4e",
            "pk_" + "live_" + "51HxQ2aLkdjf8Qw3Zr9TtYb6VnM0pLs4Kd",
            "sk_" + "live_" + "xxxxxxxxxxxxxxxxxxxxxxxx",
            "sk_" + "live_" + "YOUR_KEY_HERE",
            "sk_live_...",
            "whsec_" + "..." ,
            "test_" + "dHar4XY7LxsDOtmnkVtjNVWXLSlXsM",
            "sk_" + "payment_intent_capture_method_override",
        ],
    )
    def test_test_keys_publishable_keys_and_placeholders_are_not_secrets(self, value):
        assert findings_for(f'VALUE = "{value}"\n') == []


    def test_secrets_are_reported_in_test_files_too(self):
        findings = findings_for(f'stripe.api_key = "{STRIPE_LIVE}"\n', path="tests/test_charges.py", config=Config(select=CODES))
        assert [f.rule for f in findings] == ["RB702"]


    def test_card_data_rule_runs_on_test_files_under_the_relaxed_policy(self):
        code = 'def test_charge(self, card_number):\n    print(card_number)\n'
        findings = findings_for(code, path="tests/test_charges.py", config=Config(select=CODES))
        assert [f.rule for f in findings] == ["RB701"]


    def test_signature_fix_rewrites_the_comparison_with_compare_digest(self):
        findings = findings_for(
            """\
            import hmac

            def ok(expected_signature, received):
                return expected_signature == received
            """
        )
        assert [f.fix.replacement for f in findings if f.fix] == ["hmac.compare_digest(expected_signature, received)"]
        assert findings[0].fix is not None and not findings[0].fix.safe


    def test_signature_comparison_without_hmac_imported_is_reported_without_a_fix(self):
        findings = findings_for("def ok(expected_signature, received):\n    return expected_signature == received\n")
        assert [(f.rule, f.fix) for f in findings] == [("RB704", None)]


class TestRB70xEvidence:
    @pytest.mark.parametrize(
        "source",
        [
            "def test_secret_changes(order, old):\n    assert order.secret != old.secret\n",
            "def test_token(self, op):\n    self.assertNotEqual(op.secret, self.secret)\n",
            "def change(position, secret):\n    new_secret = secret or generate()\n    if position.secret != new_secret:\n        position.secret = new_secret\n",
            "def oauth_return(request):\n    if request.GET.get('state') != request.session['oauth_token']:\n        return deny()\n",
            "def refresh(cache_entry, client):\n    if cache_entry['access_token'] != client.token.access_token:\n        store(client.token)\n",
        ],
        ids=["assert", "unittest assert", "old vs new stored", "session nonce", "cache change detection"],
    )
    def test_a_comparison_without_an_attacker_supplied_side_is_not_a_timing_oracle(self, source):
        assert [f for f in findings_for(source) if f.rule == "RB704"] == []

    def test_a_request_value_compared_with_a_fetched_secret_is_high(self):
        (finding,) = findings_for(
            """\
            def return_view(request):
                source = stripe.Source.retrieve(request.GET.get("source"))
                if source.client_secret != request.GET.get("client_secret"):
                    return deny()
            """
        )
        assert (finding.rule, finding.line, finding.confidence.value) == ("RB704", 3, "high")
        assert "comes from the request" in finding.message

    @pytest.mark.parametrize(
        "source",
        [
            "def test_webhook_marks_paid(client):\n    event = json.loads(fixture('paid.json'))\n    client.post('/hook', event)\n    assert event['type'] == 'payment_intent.succeeded'\n",
            "class WebhookLogView(LoginRequiredMixin, View):\n    def post(self, request):\n        if request.POST.get('action') == 'retry':\n            retry_deliveries.apply_async()\n",
            "@permission_required('settings')\ndef webhook_settings(request):\n    data = json.loads(request.body)\n    Endpoint.objects.filter(pk=data['id']).update(enabled=data['enabled'])\n",
        ],
        ids=["test function", "login mixin view", "permission decorator"],
    )
    def test_tests_and_authenticated_views_are_not_webhook_endpoints(self, source):
        assert [f for f in findings_for(source) if f.rule == "RB703"] == []

    def test_a_webhook_dispatched_through_a_handler_table_that_acts_on_the_posted_type_is_high(self):
        findings = findings_for(
            """\
            @csrf_exempt
            def paypal_webhook(request):
                body = json.loads(request.body)
                handler = HANDLERS.get(body["resource"])
                return handler(request, body)

            def on_refund(request, body):
                refund = Refund.objects.get(psp_reference=body["id"])
                if body["event_type"] == "REFUND.FAILED":
                    refund.mark_failed()

            HANDLERS = {"refund": on_refund}
            """
        )
        assert [(f.rule, f.line, f.confidence.value) for f in findings] == [("RB703", 2, "high")]
        assert "dispatches it to `on_refund`" in findings[0].message

    def test_a_webhook_that_decides_only_on_the_refetched_object_is_not_reported(self):
        assert findings_for(
            """\
            @csrf_exempt
            def paypal_webhook(request):
                body = json.loads(request.body)
                capture = paypal_client.captures.get(body["resource"]["id"])
                payment = Payment.objects.get(psp_reference=capture.id)
                if capture.status == "DECLINED":
                    payment.fail()
                return HttpResponse(status=200)
            """
        ) == []

    def test_posted_form_data_compared_with_a_computed_hash_is_high(self):
        findings = findings_for(
            """\
            class NotificationForm(forms.Form):
                def clean(self):
                    digest = hashlib.sha256(self.shop_pin + self.cleaned_data["operation"]).hexdigest()
                    if digest != self.cleaned_data["signature"]:
                        raise forms.ValidationError("bad signature")
            """
        )
        assert [(f.rule, f.line, f.confidence.value) for f in findings] == [("RB704", 4, "high")]

    def test_a_signature_computed_by_a_helper_and_compared_with_a_parameter_is_high(self):
        findings = findings_for(
            """\
            def check_notification(form, received_secret):
                return make_secret(form) == received_secret
            """
        )
        assert [(f.rule, f.confidence.value) for f in findings] == [("RB704", "high")]

    def test_webhook_handlers_in_test_files_are_fixtures(self):
        source = (
            "def post_signed_webhook(client, body):\n    event = json.loads(body)\n"
            "    if event['type'] == 'charge.refunded':\n        payment.mark_refunded()\n"
        )
        assert [f.rule for f in findings_for(source, path="tests/test_webhooks.py")] == []
        assert [f.rule for f in findings_for(source.replace("post_signed", "stripe"))] == ["RB703"]
