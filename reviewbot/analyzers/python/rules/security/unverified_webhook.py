"""RB703 unverified-webhook: a webhook endpoint that acts on a PSP event without verifying its signature."""

from __future__ import annotations

import libcst as cst

from reviewbot.analyzers.python.names import call_chain, iter_descendants, literal_value, string_value
from reviewbot.analyzers.python.rule import FileContext, PythonRule
from reviewbot.analyzers.python.rules.security._webhook_flow import Tracer, is_verifying_name
from reviewbot.config import split_words
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Bad, Evidence, Family, Good

_ENDPOINT_METHODS = frozenset({"post", "put", "dispatch", "handle", "__call__", "create", "receive"})


class UnverifiedWebhook(PythonRule):
    code = "RB703"
    name = "unverified-webhook"
    family = Family.SECURITY
    severity = Severity.ERROR
    summary = "A webhook endpoint acts on a PSP event without verifying the event's signature."
    rationale = (
        "A webhook URL is public. Without checking the PSP's signature (Stripe-Signature, Adyen's "
        "HMAC, PayPal's verify call) anyone who finds the URL can post `payment_intent.succeeded` "
        "and have orders shipped, balances credited or refunds marked done. Parsing the JSON and "
        "switching on its type is exactly what an attacker's forged event needs. Fetching the object back "
        "from the PSP (`stripe.PaymentIntent.retrieve(id)`) is a sound substitute, as long as every money "
        "decision is taken on the fetched object and not on the posted event's `type`."
    )
    help = (
        "Verify before parsing: `stripe.Webhook.construct_event(payload, sig_header, endpoint_secret)`, "
        "or compute the HMAC of the raw body and compare it with `hmac.compare_digest`; reject the "
        "request when verification fails."
    )
    references = (
        "https://docs.stripe.com/webhooks#verify-events",
        "https://docs.adyen.com/development-resources/webhooks/verify-hmac-signatures/",
    )
    triggers = ("webhook", "Webhook", "WEBHOOK", "Signature", "signature", "SIGNATURE")
    runs_on_tests = True
    evidence = (
        Evidence(
            Confidence.HIGH,
            "the posted event's type decides a money action (`if event[\"type\"] == ...: payment.fail()`), or its "
            "values are passed to one (`reconcile(body[\"batch_id\"])`), in the endpoint or in a module-local "
            "handler it dispatches the payload to (`func = charge_webhook; func(event)`, `HANDLERS[type](event)`), "
            "even when other branches re-fetch the object from the PSP",
        ),
        Evidence(
            Confidence.MEDIUM,
            "the endpoint parses the payload and acts on it (dispatches, saves, enqueues), no money action seen "
            "and no re-fetch; tests, and views behind a login or permission check, are not endpoints",
        ),
    )
    examples = (
        Bad(
            """\
@app.route("/webhooks/stripe", methods=["POST"])
def stripe_webhook():
    event = json.loads(request.data)
    if event["type"] == "payment_intent.succeeded":
        mark_paid(event["data"]["object"]["id"])
    return "", 200
""",
            line=2,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """\
@router.post("/notifications/adyen")
async def adyen_notifications(request: Request) -> dict[str, str]:
    signature = request.headers.get("X-Adyen-Signature")
    body = await request.json()
    for item in body["notificationItems"]:
        handle_notification(item["NotificationRequestItem"])
    return {"status": "[accepted]"}
""",
            line=2,
            confidence=Confidence.MEDIUM,
        ),
        Bad(
            """\
@csrf_exempt
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    event = stripe.Event.construct_from(json.loads(request.body), stripe.api_key)
    if event.type == "charge.refunded":
        Payment.objects.filter(psp_charge_id=event.data.object.id).update(status="refunded")
    return HttpResponse(status=200)
""",
            line=2,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """\
@csrf_exempt
def stripe_webhook(request):
    event_json = json.loads(request.body)
    handler = HANDLERS.get(event_json["data"]["object"]["object"])
    return handler(event_json) if handler else HttpResponse(status=200)


def intent_webhook(event_json):
    intent = stripe.PaymentIntent.retrieve(event_json["data"]["object"]["id"])
    payment = Payment.objects.get(psp_reference=intent.id)
    if event_json["type"] == "payment_intent.payment_failed":
        payment.fail()
    return HttpResponse(status=200)


HANDLERS = {"payment_intent": intent_webhook}
""",
            line=2,
            confidence=Confidence.HIGH,
        ),
        Good(
            """\
@csrf_exempt
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    try:
        event = stripe.Webhook.construct_event(
            request.body, request.META["HTTP_STRIPE_SIGNATURE"], settings.STRIPE_WEBHOOK_SECRET
        )
    except (ValueError, stripe.SignatureVerificationError):
        return HttpResponse(status=400)
    if event.type == "charge.refunded":
        mark_refunded(event.data.object.id)
    return HttpResponse(status=200)
"""
        ),
        Good(
            """\
@router.post("/webhooks/checkout")
async def checkout_webhook(request: Request) -> Response:
    raw = await request.body()
    expected = hmac.new(WEBHOOK_KEY, raw, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, request.headers.get("Cko-Signature", "")):
        return Response(status_code=401)
    event = json.loads(raw)
    dispatch_event(event["type"], event["data"])
    return Response(status_code=200)
"""
        ),
        Good(
            """\
@csrf_exempt
def stripe_webhook(request):
    event_json = json.loads(request.body)
    intent = stripe.PaymentIntent.retrieve(event_json["data"]["object"]["id"])
    payment = Payment.objects.get(psp_reference=intent.id)
    if intent.status == "requires_payment_method":
        payment.fail()
    return HttpResponse(status=200)
"""
        ),
        Good(
            """\
class WebhookLogsView(PermissionRequiredMixin, ListView):
    def post(self, request):
        if request.POST.get("action") == "retry":
            retry_all_deliveries.apply_async(args=(self.webhook.pk,))
        return redirect("webhook-logs")
"""
        ),
        Good(
            """\
def test_webhook_marks_the_payment_paid(client, payment):
    event = json.loads(build_event("payment_intent.succeeded", payment))
    client.post("/webhooks/stripe", event)
    payment.refresh_from_db()
    assert payment.status == "paid"
"""
        ),
        Good(
            """\
@router.post("/v1/refunds")
async def create_refund(request: Request) -> dict[str, str]:
    body = await request.json()
    refund = await refunds.create(body["payment_id"], body["amount_minor"])
    return {"id": refund.id}
"""
        ),
        Good(
            """\
@app.post("/webhooks/stripe")
@verify_stripe_signature
def stripe_webhook():
    event = request.get_json()
    handle_event(event["type"], event["data"]["object"])
    return "", 200
"""
        ),
    )

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        # functions whose body holds a short string naming a signature (a header being read)
        self.reads_signature_header: set[cst.FunctionDef] = set()
        self._tracer: Tracer | None = None

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        value = literal_value(node)
        if isinstance(value, str) and len(value) < 40 and "signature" in value.lower():
            function = self.ctx.enclosing_function()
            if function is not None:
                self.reads_signature_header.add(function)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node not in self.reads_signature_header and not _is_webhook_endpoint(node, self.ctx.parents):
            return
        if self.ctx.is_test or _is_test(node, self.ctx.parents) or _is_authenticated(node, self.ctx.parents):
            return  # a handler in test code is a fixture that posts to the endpoint, never the endpoint
        if any(is_verifying_name(call_chain(d.decorator) or "") for d in node.decorators):
            return
        if self._tracer is None:
            self._tracer = Tracer(self.ctx)
        flow = self._tracer.trace(node, _body_params(node))
        if flow.verified:
            return
        name = node.name.value
        if flow.decision is not None:
            self.report(
                node.name,
                f"webhook handler `{name}` never verifies the signature and {flow.decision}",
                confidence=Confidence.HIGH,
            )
        elif not flow.refetched and (flow.parses or _body_params(node)) and flow.acts:
            self.report(
                node.name,
                f"webhook handler `{name}` acts on the payload without verifying its signature",
                confidence=Confidence.MEDIUM,
            )


def _is_webhook_endpoint(node: cst.FunctionDef, parents: list[cst.CSTNode]) -> bool:
    if "webhook" in node.name.value.lower():
        return True
    for decorator in node.decorators:
        for sub in iter_descendants(decorator):
            text = string_value(sub) if isinstance(sub, (cst.SimpleString, cst.ConcatenatedString)) else None
            if text is not None and "webhook" in text.lower():
                return True
    if node.name.value in _ENDPOINT_METHODS:
        for parent in reversed(parents):
            if isinstance(parent, cst.ClassDef):
                return "webhook" in parent.name.value.lower()
    return False


def _body_params(node: cst.FunctionDef) -> set[str]:
    """FastAPI-style handlers get the parsed body as a parameter: `event: StripeEvent`, `payload: dict`."""
    out: set[str] = set()
    for param in (*node.params.params, *node.params.kwonly_params):
        if param.annotation is None:
            continue
        annotation = call_chain(param.annotation.annotation) or ""
        words = set(split_words(annotation))
        if annotation in ("dict", "Dict") or words & {"event", "payload", "notification", "body"}:
            out.add(param.name.value)
    return out


def _is_test(node: cst.FunctionDef, parents: list[cst.CSTNode]) -> bool:
    """A test function or a method of a test class exercises a webhook; it is not one."""
    if node.name.value.startswith("test"):
        return True
    return any(isinstance(p, cst.ClassDef) and p.name.value.startswith("Test") for p in parents)


# Words in a decorator or a base class that put a view behind a login or a permission check.
_AUTH_WORDS = frozenset({"login", "permission", "permissions", "authenticated", "staff", "superuser", "admin"})


def _is_authenticated(node: cst.FunctionDef, parents: list[cst.CSTNode]) -> bool:
    """`@login_required`, `@permission_required(...)`, a `PermissionRequiredMixin` view, DRF
    `permission_classes = [IsAuthenticated]`: a signed-in user calls it, not a PSP."""
    for decorator in node.decorators:
        for sub in (decorator.decorator, *iter_descendants(decorator.decorator)):
            name = sub.value if isinstance(sub, cst.Name) else sub.attr.value if isinstance(sub, cst.Attribute) else ""
            if _AUTH_WORDS & set(split_words(name)):
                return True
    for parent in reversed(parents):
        if isinstance(parent, cst.ClassDef):
            for base in parent.bases:
                if _AUTH_WORDS & set(split_words(call_chain(base.value) or "")):
                    return True
            return _has_permission_classes(parent)
    return False


def _has_permission_classes(cls: cst.ClassDef) -> bool:
    for stmt in cls.body.body if isinstance(cls.body, cst.IndentedBlock) else ():
        for small in stmt.body if isinstance(stmt, cst.SimpleStatementLine) else ():
            if isinstance(small, cst.Assign) and any(
                isinstance(t.target, cst.Name) and t.target.value in ("permission_classes", "authentication_classes")
                for t in small.targets
            ):
                text = " ".join(call_chain(e.value) or "" for e in getattr(small.value, "elements", ()))
                return "AllowAny" not in text and bool(text)
    return False
