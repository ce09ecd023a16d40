# ruff: noqa
"""Card data in logs, unverified webhooks, non-constant-time compares; each marked `# expect: RBxxx`."""

import hashlib
import hmac
import json
import logging

import sentry_sdk
import structlog

logger = logging.getLogger(__name__)
log = structlog.get_logger()


class Checkout:
    def charge(self, card_number, cvv, amount_minor):
        self.logger.debug("charging %s cvv=%s", card_number, cvv)  # expect: RB701
        logging.warning(f"charge failed for pan {card_number}")  # expect: RB701
        log.info("charge.start", cvc=cvv)  # expect: RB701
        print(json.dumps({"cvv": cvv}))  # expect: RB701


def handle_checkout(request):
    payload = request.json
    logger.info("checkout payload card=%s", payload["card"])  # expect: RB701
    logger.error("security code rejected: %s", payload["card"]["security_code"])  # expect: RB701
    posthog.capture(request.user.id, "card_entered", {"card_details": request.json["card"]})  # expect: RB701
    sentry_sdk.set_extra("card", payload.get("card"))  # expect: RB701
    raise PaymentError("declined: " + payload["card_number"])  # expect: RB701


def swipe(track1, magstripe):
    audit_logger.info("swipe %s", track1)  # expect: RB701
    logger.info("raw %r", magstripe)  # expect: RB701


@app.post("/webhooks/paypal")
def paypal_events():  # expect: RB703
    event = request.get_json()
    if event["event_type"] == "PAYMENT.CAPTURE.COMPLETED":
        fulfill_order(event["resource"]["custom_id"])
    return "", 200


class StripeWebhookView(View):
    def post(self, request):  # expect: RB703
        event = json.loads(request.body)
        match event["type"]:
            case "charge.refunded":
                mark_refunded(event["data"]["object"]["id"])
        return HttpResponse(status=200)


@router.post("/hooks/checkout")
async def receive(request: Request):  # expect: RB703
    sig = request.headers.get("Cko-Signature")
    event = await request.json()
    await process_event(event["type"], event["data"])


def verify(payload, received_sig):
    expected_sig = hmac.new(KEY, payload, hashlib.sha256).hexdigest()
    return expected_sig == received_sig  # expect: RB704


def check(request):
    digest = hmac.new(KEY, request.body, "sha256").digest()
    if digest != base64.b64decode(request.headers["X-Hmac-Sha256"]):  # expect: RB704
        raise PermissionDenied()
    if request.headers["X-Callback-Token"] != settings.CALLBACK_TOKEN:  # expect: RB704
        raise PermissionDenied()
    return webhook_secret == request.GET["secret"]  # expect: RB704
