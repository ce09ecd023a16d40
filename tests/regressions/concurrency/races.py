# ruff: noqa
"""Lost updates and unguarded transitions; each reported line carries `# expect: RBxxx`."""

from django.db import transaction
from sqlalchemy import select, update


def debit_in_atomic_without_lock(wallet_id, amount_minor):
    with transaction.atomic():  # a transaction is not a row lock
        wallet = Wallet.objects.get(pk=wallet_id)
        wallet.balance -= amount_minor  # expect: RB501
        wallet.save()


def debit_filter_first(wallet_id, amount_minor):
    wallet = Wallet.objects.filter(pk=wallet_id).first()
    wallet.available_balance = wallet.available_balance - amount_minor  # expect: RB501
    wallet.save(update_fields=["available_balance"])


def debit_through_local(wallet_id, amount_minor):
    wallet = get_object_or_404(Wallet, pk=wallet_id)
    new_balance = wallet.balance - amount_minor
    wallet.balance = new_balance  # expect: RB501
    wallet.save()


async def async_django(wallet_id, amount_minor):
    wallet = await Wallet.objects.aget(pk=wallet_id)
    wallet.balance += amount_minor  # expect: RB501
    await wallet.asave()


def sqlalchemy_query(session, account_id, amount_minor):
    account = session.query(Account).filter(Account.id == account_id).one()
    account.balance -= amount_minor  # expect: RB501
    session.commit()


def sqlalchemy_scalars(session, account_id, amount_minor):
    account = session.scalars(select(Account).where(Account.id == account_id)).first()
    account.refunded_amount += amount_minor  # expect: RB501


def sqlalchemy_values_from_read(session, account_id, amount_minor):
    account = session.get(Account, account_id)
    session.execute(
        update(Account).where(Account.id == account_id).values(balance=account.balance - amount_minor)  # expect: RB501
    )


def raw_sql_named_params(cur, account_id, amount_minor):
    cur.execute("SELECT id, balance FROM accounts WHERE id = %(id)s", {"id": account_id})
    row = cur.fetchone()
    cur.execute(
        "UPDATE accounts SET balance = %(balance)s WHERE id = %(id)s",  # expect: RB501
        {"balance": row[1] - amount_minor, "id": account_id},
    )


def status_sql_constant_style(cur, refund_id):
    cur.execute("UPDATE refunds SET status = %s, updated_at = now() WHERE id = %s", ("succeeded", refund_id))  # expect: RB502


MARK_PAID = "UPDATE invoices SET status = 'paid' WHERE id = :id"  # expect: RB502


def status_fstring(cur, payment_id, new_status):
    cur.execute(f"UPDATE payments SET status = '{new_status}' WHERE id = %s", (payment_id,))  # expect: RB502


def django_bulk_status(order_ids):
    Order.objects.filter(id__in=order_ids).update(status="shipped")  # expect: RB502


def sqlalchemy_query_update(session, payment_id):
    session.query(Payment).filter(Payment.id == payment_id).update({"status": "voided"})  # expect: RB502
    session.commit()


def status_on_param(payment):
    payment.status = PaymentStatus.FAILED  # expect: RB502
    payment.save()


def status_from_sqlalchemy(session, payout_id):
    payout = session.get(Payout, payout_id)
    payout.state = "paid"  # expect: RB502
    session.commit()


def check_then_capture(payment_id):
    payment = Payment.objects.get(pk=payment_id)
    if payment.status == "authorized":
        client.v1.payment_intents.capture(payment.psp_reference)  # expect: RB503


def check_then_refund_after_early_exit(payment):
    if payment.status not in ("captured",):
        raise InvalidTransition(payment.status)
    stripe.Refund.create(payment_intent=payment.psp_reference, idempotency_key=f"refund:{payment.id}")  # expect: RB503


def check_then_update_without_rowcount(payment_id):
    payment = Payment.objects.get(pk=payment_id)
    if payment.status == "authorized":
        Payment.objects.filter(pk=payment_id, status="authorized").update(status="capturing")
        psp.capture(payment.psp_reference, idempotency_key=f"capture:{payment.id}")  # expect: RB503


def check_then_set(payment_id):
    payment = load_payment(payment_id)
    if payment.status == "requires_capture":
        payment.status = "captured"  # expect: RB503
        payment.save()
