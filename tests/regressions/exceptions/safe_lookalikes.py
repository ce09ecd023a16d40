# ruff: noqa
"""Safe look-alikes: payments code that handles errors correctly; no RB2xx rule may fire here."""

import contextlib
import logging
import os
import signal
from contextlib import suppress
from decimal import Decimal, InvalidOperation

import httpx
import requests
import sentry_sdk
import stripe
import structlog
from django.http import HttpResponse, JsonResponse
from fastapi import HTTPException
from loguru import logger as loguru_logger
from rest_framework import status
from rest_framework.response import Response
from stripe.error import CardError, InvalidRequestError, StripeError

logger = logging.getLogger(__name__)
log = structlog.get_logger()


def capture_and_reraise(payment):
    try:
        return stripe.PaymentIntent.capture(payment.intent_id, idempotency_key=f"capture:{payment.id}")
    except Exception:
        logger.exception("capture of %s failed", payment.id)
        raise


def capture_with_exc_info(payment):
    try:
        stripe.PaymentIntent.capture(payment.intent_id, idempotency_key=f"capture:{payment.id}")
    except Exception as err:
        logger.error("capture failed", exc_info=True)
        raise CaptureFailed(payment.id) from err


def webhook_reports_to_sentry(request):
    try:
        handle_event(request.body)
    except Exception:
        sentry_sdk.capture_exception()
        return HttpResponse(status=500)
    return HttpResponse(status=200)


def broad_handler_logging_at_warning(account_id):
    try:
        return ledger.balance_of(account_id)
    except Exception:
        logger.warning("balance lookup failed for %s", account_id)
        return None


def broad_handler_with_structlog(payout):
    try:
        notify_merchant(payout)
    except Exception:
        log.info("merchant notification failed", payout_id=payout.id)


def broad_handler_with_loguru(refund):
    try:
        send_refund_email(refund)
    except Exception:
        loguru_logger.error("refund email failed for {}", refund.id)


def broad_handler_records_status(payment):
    try:
        reconcile(payment)
    except Exception:
        payment.reconciliation_status = "needs_review"
        payment.save(update_fields=["reconciliation_status"])


def broad_handler_returns_error_response(request):
    try:
        return Response(create_checkout(request.data))
    except Exception:
        return Response({"detail": "checkout unavailable"}, status=status.HTTP_503_SERVICE_UNAVAILABLE)


def broad_handler_raises_http_exception(order_id):
    try:
        return load_order(order_id)
    except Exception as err:
        raise HTTPException(status_code=502, detail="order service unavailable") from err


def broad_handler_flask_error_tuple(order_id):
    try:
        return refund_order(order_id)
    except Exception:
        return "", 502


def broad_handler_error_payload(order):
    try:
        return quote_fx(order)
    except Exception:
        return {"ok": False, "error": "fx_unavailable"}


def broad_handler_returns_value_built_from_error(order):
    try:
        return submit(order)
    except Exception as exc:
        return {"status": str(exc)}


def broad_handler_with_conditional_reraise(refund):
    try:
        stripe.Refund.create(charge=refund.charge_id, amount=refund.amount_minor, idempotency_key=refund.key)
    except Exception as err:
        if not is_already_refunded(err):
            raise


def broad_handler_around_close(connection):
    try:
        connection.close()
    except Exception:
        pass


def broad_handler_in_finalizer():
    class PspSession:
        def __del__(self):
            try:
                self.http.close_all()
            except Exception:
                pass


def narrow_handler_around_dict_pop(metadata):
    try:
        del metadata["internal_ref"]
    except KeyError:
        pass


def narrow_handler_for_bad_input(raw):
    try:
        return Decimal(raw)
    except InvalidOperation:
        return None


def narrow_psp_handler_without_money_movement(intent_id):
    try:
        return stripe.PaymentIntent.retrieve(intent_id)
    except InvalidRequestError:
        return None


def narrow_psp_handler_records_decline(order):
    try:
        return stripe.PaymentIntent.create(amount=order.total_minor, currency="eur", idempotency_key=order.key)
    except CardError as err:
        order.mark_declined(err.code)
        return None


def narrow_psp_handler_returns_decline(order):
    try:
        stripe.Charge.create(amount=order.total_minor, currency="usd", source=order.token)
    except CardError as err:
        return {"declined": True, "reason": err.user_message}


def narrow_psp_handler_returns_error_literal(order):
    try:
        stripe.Charge.create(amount=order.total_minor, currency="usd", source=order.token)
    except CardError:
        return {"status": "declined"}


def narrow_http_handler_reraises(client, payment_id):
    try:
        client.post(f"/payments/{payment_id}/capture")
    except httpx.TimeoutException as err:
        raise CaptureOutcomeUnknown(payment_id) from err


def narrow_requests_handler_around_read(session, url):
    try:
        return session.get(url, timeout=5).json()
    except requests.Timeout:
        return None


def narrow_handler_queues_retry(payout):
    try:
        stripe.Payout.create(amount=payout.amount_minor, currency=payout.currency, idempotency_key=payout.key)
    except StripeError:
        retry_queue.enqueue(payout.id)


def suppress_missing_receipt(path):
    with suppress(FileNotFoundError):
        os.remove(path)


def suppress_dead_worker(pid):
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)


def suppress_unrelated_name(queue):
    # a local helper that happens to be called suppress: not contextlib's
    with suppress_alerts("payouts"):
        queue.drain()


def return_after_finally(payment):
    try:
        gateway.capture(payment.intent_id, payment.amount_minor)
    finally:
        payment.save()
    return payment.status


def loop_inside_finally(locks):
    try:
        ledger.flush()
    finally:
        for lock in locks:
            if lock.released:
                continue
            if lock.poisoned:
                break
            lock.release()


def function_inside_finally(batch):
    try:
        ledger.post_all(batch)
    finally:

        def size():
            return len(batch)

        metrics.gauge("batch", size())


def while_else_inside_finally(queue):
    try:
        queue.flush()
    finally:
        while queue.pending():
            queue.pop()
        else:
            queue.close()


def break_in_try_body_not_finally(entries):
    for entry in entries:
        try:
            if entry.done:
                break
            ledger.post(entry)
        finally:
            entry.release()


def webhook_ack_after_recording(request):
    try:
        event = stripe.Webhook.construct_event(request.body, request.headers["Stripe-Signature"], SECRET)
    except ValueError:
        return HttpResponse(status=400)
    except stripe.error.SignatureVerificationError:
        return HttpResponse(status=400)
    record_event(event)
    return JsonResponse({"received": True})


def broad_handler_around_refund_email_logs(refund):
    try:
        send_refund_email(refund)
    except Exception:
        logger.exception("refund email for %s failed", refund.id)


def suppress_around_file_transfer(sftp, report):
    with suppress(FileNotFoundError):
        transfer_file(sftp, report.path)


def optional_accelerator_import():
    try:
        import uvloop
    except Exception:
        pass


def broad_handler_returns_failure_constant(order):
    try:
        return settle(order)
    except Exception:
        return SETTLEMENT_FAILED


def narrow_psp_handler_then_status_check(order):
    try:
        stripe.PaymentIntent.cancel(order.intent_id)
    except InvalidRequestError as err:
        if err.code != "payment_intent_unexpected_state":
            raise


def capture_screenshot_for_dispute(browser, dispute):
    with suppress(TimeoutError):
        capture_screenshot(browser, dispute.evidence_url)
