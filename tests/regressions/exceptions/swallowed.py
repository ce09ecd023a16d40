# ruff: noqa
"""Tricky bad cases: every line marked `expect: RBxxx` must be reported with that code, and nothing else."""

import builtins
import contextlib as ctx
from contextlib import suppress as quietly

import adyen
import braintree
import httpx
import requests
import stripe
from django.http import HttpResponse, JsonResponse
from stripe.error import APIConnectionError, CardError


def bare_except_returning_false(payment):
    try:
        return gateway.capture(payment.intent_id)
    except:  # expect: RB201
        return False


def broad_handler_with_ellipsis(order):
    try:
        publish_order_paid(order)
    except Exception:  # expect: RB202
        ...


def broad_handler_returning_empty_dict(customer_id):
    try:
        return load_saved_cards(customer_id)
    except Exception:  # expect: RB202
        return {}


def broad_handler_returning_ok_false(order):
    try:
        return reserve_inventory(order)
    except Exception:  # expect: RB202
        return {"ok": False}


def broad_handler_returning_default_constant(currency):
    try:
        return fx_rates.latest(currency)
    except Exception:  # expect: RB202
        return DEFAULT_FX_RATE


def broad_handler_returning_zero_decimal(account):
    try:
        return ledger.balance(account)
    except builtins.Exception:  # expect: RB202
        return Decimal("0")


def broad_handler_in_tuple(transfers):
    for transfer in transfers:
        try:
            ledger.post(transfer)
        except (KeyError, BaseException):  # expect: RB202
            continue


def broad_handler_with_comment_only(refund):
    try:
        reconcile_refund(refund)
    except Exception:  # expect: RB202
        # the nightly job will catch it
        pass


def webhook_acknowledges_failure(request):
    try:
        handle_event(request.body)
    except Exception:  # expect: RB202
        return JsonResponse({"received": True})
    return HttpResponse(status=200)


def except_star_group(tasks):
    try:
        run_settlement(tasks)
    except* Exception:  # expect: RB202
        pass


def suppress_exception_module_alias(payment):
    with ctx.suppress(Exception):  # expect: RB203
        send_receipt(payment)


def suppress_card_error_around_charge(order):
    with quietly(CardError):  # expect: RB203
        stripe.Charge.create(amount=order.total_minor, currency="usd", source=order.token)


def suppress_timeout_around_client_v1(client, intent_id):
    with quietly(httpx.TimeoutException):  # expect: RB203
        client.v1.payment_intents.capture(intent_id, options={"idempotency_key": f"cap:{intent_id}"})


def return_in_finally(payment):
    try:
        gateway.refund(payment.charge_id, payment.amount_minor)
    finally:
        return payment.refresh()  # expect: RB204


def return_in_loop_in_finally(entries):
    try:
        ledger.post_all(entries)
    finally:
        for entry in entries:
            if entry.failed:
                return entry  # expect: RB204


def break_in_for_else_in_finally(batches):
    for batch in batches:
        try:
            ledger.post_all(batch)
        finally:
            for entry in batch:
                entry.release()
            else:
                break  # expect: RB204


def card_error_returns_none(order):
    try:
        return stripe.PaymentIntent.create(amount=order.total_minor, currency="eur", idempotency_key=order.key)
    except CardError:  # expect: RB205
        return None


def connection_error_around_confirm(intent):
    try:
        stripe.PaymentIntent.confirm(intent.id, idempotency_key=f"confirm:{intent.id}")
    except APIConnectionError:  # expect: RB205
        pass


def requests_timeout_around_hyperswitch(session, body):
    try:
        session.post(HYPERSWITCH_URL + "/payments", json=body, timeout=10)
    except requests.Timeout:  # expect: RB205
        return None


def adyen_error_around_refund(psp_reference, amount_minor):
    try:
        adyen.checkout.modifications_api.refund_captured_payment({"amount": amount_minor}, psp_reference)
    except adyen.AdyenError:  # expect: RB205
        return False


def braintree_error_around_sale(nonce, amount):
    try:
        braintree.Transaction.sale({"amount": amount, "payment_method_nonce": nonce})
    except braintree.exceptions.UnexpectedError:  # expect: RB205
        return None


def gateway_error_logged_only(payment):
    try:
        self_gateway = payment.gateway
        self_gateway.capture(payment.intent_id, payment.amount_minor)
    except PaymentGatewayError:  # expect: RB205
        logger.error("capture of %s failed", payment.id)
        return None


def broad_handler_logs_only_around_payout(payouts):
    for payout in payouts:
        try:
            stripe.Payout.create(amount=payout.amount_minor, currency=payout.currency, idempotency_key=payout.key)
        except Exception:  # expect: RB205
            logger.exception("payout %s failed", payout.id)


def broad_handler_around_intent_cancel(intent_id):
    try:
        stripe.PaymentIntent.cancel(intent_id)
    except Exception:  # expect: RB202
        pass


def timeout_error_around_capture_payment(service, payment):
    try:
        service.capture_payment(payment.id, payment.amount_minor)
    except TimeoutError:  # expect: RB205
        return None
