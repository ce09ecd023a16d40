# ruff: noqa
"""Safe look-alikes: card metadata logging, verified webhooks, constant-time compares; no RB7xx may fire."""

import hashlib
import hmac
import json
import logging
import os

import sentry_sdk
import stripe
import structlog

logger = logging.getLogger(__name__)
log = structlog.get_logger()

stripe.api_key = os.environ["STRIPE_SECRET_KEY"]
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
PAYPAL_CLIENT_SECRET = os.environ["PAYPAL_CLIENT_SECRET"]
PAYPAL_SANDBOX_CLIENT_SECRET = "sandbox-only-secret-used-in-local-docker-compose-0123456789"
EXAMPLE_KEY_DOCS = "set STRIPE_SECRET_KEY to sk_live_... in production"


def log_card_metadata(pm):
    logger.info("attached %s ending %s", pm.card.brand, pm.card.last4)
    log.info("payment_method.attached", card_last4=pm.card.last4, fingerprint=pm.card.fingerprint)
    logger.info("card token %s exp %s/%s", pm.card_token, pm.card.exp_month, pm.card.exp_year)


def log_masked(card_number, card):
    logger.info("card %s", mask_pan(card_number))
    logger.info("bin %s last4 %s", card_number[:6], card_number[-4:])
    logger.debug("card length %d", len(card_number))
    logger.info("card brand %s", card.get("brand"))
    logger.info("card last4 %s", card["last4"])
    logger.info("card fingerprint %s", card["fingerprint"])


def analytics_safe(user_id, card):
    sentry_sdk.set_context("payment", {"card_brand": card.brand, "last4": card.last4})
    analytics.track(user_id, "card_added", {"brand": card.brand, "funding": card.funding})


def validation_errors(card_number):
    if not card_number.isdigit():
        raise CardValidationError("card number must be digits")
    raise CardValidationError(f"card ending {card_number[-4:]} was declined")


def not_a_sink(card_number):
    catalog.error_count = 0
    token = vault.tokenize(card_number)
    return token


@csrf_exempt
def stripe_webhook(request):
    try:
        event = stripe.Webhook.construct_event(request.body, request.META["HTTP_STRIPE_SIGNATURE"], STRIPE_WEBHOOK_SECRET)
    except (ValueError, stripe.SignatureVerificationError):
        return HttpResponse(status=400)
    if event["type"] == "payment_intent.succeeded":
        mark_paid(event["data"]["object"]["id"])
    return HttpResponse(status=200)


@router.post("/webhooks/stripe")
async def stripe_webhook_client(request: Request):
    payload = await request.body()
    event = client.construct_event(payload, request.headers["stripe-signature"], STRIPE_WEBHOOK_SECRET)
    await dispatch(event.type, event.data.object)


@app.route("/webhooks/adyen", methods=["POST"])
def adyen_webhook():
    body = request.get_json()
    for item in body["notificationItems"]:
        notification = item["NotificationRequestItem"]
        if not is_valid_hmac_notification(notification, ADYEN_HMAC_KEY):
            abort(401)
        handle_notification(notification)
    return "[accepted]"


@app.post("/webhooks/stripe-refetch")
def stripe_webhook_refetch():
    payload = json.loads(request.data)
    event = stripe.Event.retrieve(payload["id"])
    handle_event(event.type, event.data.object)
    return "", 200


def braintree_webhook(request):
    notification = gateway.webhook_notification.parse(request.POST["bt_signature"], request.POST["bt_payload"])
    handle_notification(notification.kind, notification.subject)


class StripeWebhookView(View):
    def post(self, request):
        event = verify_and_parse(request)
        process_event(event["type"], event["data"])
        return HttpResponse(status=200)


def mollie_webhook(request):
    payment = mollie_client.payments.get(request.POST["id"])
    if payment.is_paid():
        mark_paid(payment.metadata["order_id"])


def webhook_list(request):
    return JsonResponse({"webhooks": [w.url for w in WebhookEndpoint.objects.all()]})


def verify_signature(payload, received):
    expected = hmac.new(SECRET, payload, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, received)


def non_secret_compares(event, page_token, response, signature, header):
    if event["type"] == "charge.succeeded":
        pass
    if response.get("next_page_token") == page_token:
        pass
    if signature is None or signature == "":
        pass
    if header.signature_version == "v1":
        pass
    if len(signature) != 64:
        pass
    if response["token_type"] == "Bearer":
        pass
    return hashlib.sha256(b"x").hexdigest() == header.checksum


def summary_unchanged(body, digest):
    match = DIGEST_RE.search(body)
    return bool(match) and match.group(1) == digest
