"""RB703 unverified-webhook: a webhook endpoint that acts on a PSP event without verifying its signature."""

from __future__ import annotations

import libcst as cst

from reviewbot.analyzers.python.names import call_chain, iter_descendants, literal_value, string_value
from reviewbot.analyzers.python.rule import FileContext, PythonRule
from reviewbot.config import split_words
from reviewbot.core.findings import Severity
from reviewbot.core.rules import Bad, Family, Good

# Calls that verify a payload: Stripe construct_event/verify_header, hmac.compare_digest, Adyen
# is_valid_hmac_notification, PayPal verify_webhook_signature, project helpers named verify_*.
_VERIFYING_FRAGMENTS = ("construct_event", "verify", "compare_digest", "hmac", "signature", "webhook_notification.parse")
_PARSING_CALLS = frozenset({"loads", "json", "get_json", "construct_from", "model_validate", "model_validate_json",
                            "parse_obj", "parse_raw"})
_BODY_ATTRIBUTES = frozenset({"json", "data", "body", "POST", "get_json", "get_data"})
_EVENT_KEYS = frozenset({"type", "event_type", "eventCode", "event", "kind", "action", "status"})
_ACTION_WORDS = frozenset(
    {"save", "update", "delay", "apply", "async", "execute", "commit", "handle", "handler", "process",
     "dispatch", "fulfill", "fulfil", "mark", "capture", "refund", "credit", "debit", "settle", "cancel",
     "complete", "create", "send", "enqueue", "publish", "emit", "record", "apply_async", "reconcile",
     "ingest", "book", "void", "payout", "transfer", "insert", "upsert", "store", "persist"}
)
_PSP_WORDS = frozenset({"mollie", "stripe", "psp", "gateway", "paypal", "adyen", "braintree", "checkout"})
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
        "switching on its type is exactly what an attacker's forged event needs."
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

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        value = literal_value(node)
        if isinstance(value, str) and len(value) < 40 and "signature" in value.lower():
            function = self.ctx.enclosing_function()
            if function is not None:
                self.reads_signature_header.add(function)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node not in self.reads_signature_header and not _is_webhook_endpoint(node, self.ctx.parents):
            return
        if any(_is_verifying_name(call_chain(d.decorator) or "") for d in node.decorators):
            return
        parses = _has_body_params(node)
        acts = False
        for sub in iter_descendants(node.body):
            if isinstance(sub, cst.Call):
                callee = call_chain(sub.func) or ""
                if _is_verifying_name(callee) or _is_event_refetch(callee):
                    return
                method = callee.rsplit(".", 1)[-1]
                if method in _PARSING_CALLS:
                    parses = True
                if any(w in _ACTION_WORDS for w in split_words(method)):
                    acts = True
            elif isinstance(sub, cst.Attribute) and sub.attr.value in _BODY_ATTRIBUTES:
                receiver = call_chain(sub.value) or ""
                if "request" in receiver or receiver in ("req", "self.request"):
                    parses = True
            elif isinstance(sub, cst.Subscript) and _is_event_key(sub):
                acts = True
            elif isinstance(sub, cst.Attribute) and sub.attr.value in ("type", "event_type"):
                acts = True
            elif isinstance(sub, cst.Match):
                acts = True
        if parses and acts:
            self.report(node.name, f"webhook handler `{node.name.value}` acts on the payload without verifying its signature")


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


def _is_verifying_name(callee: str) -> bool:
    lowered = callee.lower()
    return any(fragment in lowered for fragment in _VERIFYING_FRAGMENTS)


def _is_event_refetch(callee: str) -> bool:
    """`stripe.Event.retrieve(id)`, `mollie_client.payments.get(id)`: fetching from the PSP proves it is real."""
    parts = callee.split(".")
    words = {w for part in parts[:-1] for w in split_words(part)}
    method = parts[-1]
    if method == "retrieve" and words & {"event", "events"}:
        return True
    return method in ("get", "retrieve") and bool(words & _PSP_WORDS)


def _is_event_key(node: cst.Subscript) -> bool:
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return False
    key = string_value(node.slice[0].slice.value)
    return key is not None and key in _EVENT_KEYS


def _has_body_params(node: cst.FunctionDef) -> bool:
    """FastAPI-style handlers get the parsed body as a parameter: `event: StripeEvent`, `payload: dict`."""
    for param in (*node.params.params, *node.params.kwonly_params):
        if param.annotation is None:
            continue
        annotation = call_chain(param.annotation.annotation) or ""
        words = set(split_words(annotation))
        if annotation in ("dict", "Dict") or words & {"event", "payload", "notification", "body"}:
            return True
    return False
