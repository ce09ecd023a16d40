# ruff: noqa
"""Safe look-alikes: balance and status updates done right; no RB5xx rule may fire here."""

from django.db import transaction
from django.db.models import F
from sqlalchemy import select, update


def debit_with_f(wallet_id, amount_minor):
    Wallet.objects.filter(pk=wallet_id).update(balance=F("balance") - amount_minor)


def credit_with_f_on_instance(wallet_id, amount_minor):
    wallet = Wallet.objects.get(pk=wallet_id)
    wallet.balance = F("balance") + amount_minor
    wallet.save(update_fields=["balance"])


def debit_locked(wallet_id, amount_minor):
    with transaction.atomic():
        wallet = Wallet.objects.select_for_update().get(pk=wallet_id)
        if wallet.balance < amount_minor:
            raise InsufficientFunds(wallet_id)
        wallet.balance -= amount_minor
        wallet.save(update_fields=["balance"])


def debit_locked_through_get_object(wallet_id, amount_minor):
    with transaction.atomic():
        wallet = get_object_or_404(Wallet.objects.select_for_update(), pk=wallet_id)
        wallet.balance = wallet.balance - amount_minor
        wallet.save()


def debit_sql_atomic(cur, account_id, amount_minor):
    cur.execute(
        "UPDATE accounts SET balance = balance - %s WHERE id = %s AND balance >= %s",
        (amount_minor, account_id, amount_minor),
    )
    if cur.rowcount == 0:
        raise InsufficientFunds(account_id)


def debit_sql_select_for_update(cur, account_id, amount_minor):
    cur.execute("SELECT balance FROM accounts WHERE id = %s FOR UPDATE", (account_id,))
    (balance,) = cur.fetchone()
    cur.execute("UPDATE accounts SET balance = %s WHERE id = %s", (balance - amount_minor, account_id))


def debit_sql_compare_and_set(cur, account_id, amount_minor):
    cur.execute("SELECT balance FROM accounts WHERE id = %s", (account_id,))
    (balance,) = cur.fetchone()
    cur.execute(
        "UPDATE accounts SET balance = %s WHERE id = %s AND balance = %s",
        (balance - amount_minor, account_id, balance),
    )


def credit_sqlalchemy_locked(session, account_id, amount_minor):
    account = session.get(Account, account_id, with_for_update=True)
    account.balance += amount_minor
    session.commit()


def credit_sqlalchemy_query_locked(session, account_id, amount_minor):
    account = session.query(Account).filter(Account.id == account_id).with_for_update().one()
    account.balance += amount_minor
    session.commit()


async def credit_sqlalchemy_atomic_update(session, account_id, amount_minor):
    await session.execute(
        update(Account).where(Account.id == account_id).values(balance=Account.balance + amount_minor)
    )


def debit_optimistic(wallet_id, amount_minor):
    wallet = Wallet.objects.get(pk=wallet_id)
    updated = Wallet.objects.filter(pk=wallet_id, version=wallet.version).update(
        balance=wallet.balance - amount_minor, version=wallet.version + 1
    )
    if updated == 0:
        raise ConcurrentUpdate(wallet_id)


def display_only(wallet_id, amount_minor):
    wallet = Wallet.objects.get(pk=wallet_id)
    wallet.balance -= amount_minor  # a preview, never saved
    return render_preview(wallet)


def under_redis_lock(wallet_id, amount_minor):
    with redis_client.lock(f"wallet:{wallet_id}", timeout=10):
        wallet = Wallet.objects.get(pk=wallet_id)
        wallet.balance -= amount_minor
        wallet.save()


def non_money_counter(user_id):
    profile = Profile.objects.get(pk=user_id)
    profile.login_count += 1
    profile.save()


def capture_guarded_sql(cur, payment_id):
    cur.execute(
        "UPDATE payments SET status = 'captured', captured_at = now() WHERE id = %s AND status = 'authorized'",
        (payment_id,),
    )
    if cur.rowcount != 1:
        raise InvalidTransition(payment_id)


def capture_guarded_sql_in(cur, payment_id):
    cur.execute(
        "UPDATE payments SET status = %s WHERE id = %s AND status = ANY(%s) RETURNING id",
        ("captured", payment_id, ["authorized", "partially_captured"]),
    )
    if cur.fetchone() is None:
        raise InvalidTransition(payment_id)


def expire_sweep(cur):
    cur.execute("UPDATE payment_intents SET status = 'expired' WHERE status = 'requires_action' AND created_at < now() - interval '1 day'")


def claim_django(payment_id):
    claimed = Payment.objects.filter(pk=payment_id, status__in=["authorized"]).update(status="capturing")
    if not claimed:
        return
    payment = Payment.objects.get(pk=payment_id)
    psp.capture(payment.psp_reference, idempotency_key=f"capture:{payment.id}")


def claim_sqlalchemy(session, payment_id):
    result = session.execute(
        update(Payment)
        .where(Payment.id == payment_id)
        .where(Payment.status == PaymentStatus.AUTHORIZED)
        .values(status=PaymentStatus.CAPTURING)
    )
    if result.rowcount != 1:
        raise InvalidTransition(payment_id)


def refund_locked(payment_id):
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.status not in ("captured", "partially_refunded"):
            raise InvalidTransition(payment.status)
        gateway.refund(payment.psp_reference, payment.amount_minor, idempotency_key=f"refund:{payment.id}")
        payment.status = "refunded"
        payment.save(update_fields=["status"])


def refund_locked_early_exit(session, payment_id):
    payment = session.execute(select(Payment).where(Payment.id == payment_id).with_for_update()).scalar_one()
    if payment.status != PaymentStatus.CAPTURED:
        return
    stripe.Refund.create(payment_intent=payment.psp_reference, idempotency_key=f"refund:{payment.id}")
    payment.status = PaymentStatus.REFUNDED
    session.commit()


def mark_after_lock_then_update(payment_id):
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.status != "authorized":
            return
        Payment.objects.filter(pk=payment_id).update(status="captured")


def remote_intent_status(intent_id):
    intent = stripe.PaymentIntent.retrieve(intent_id)
    if intent.status == "requires_capture":
        stripe.PaymentIntent.capture(intent_id, idempotency_key=f"capture:{intent_id}")


def http_status_check(client, payload):
    response = requests.post("https://psp.example/v1/charges", json=payload)
    if response.status == 201:
        client.create(payload)


def user_status(user_id):
    user = User.objects.get(pk=user_id)
    user.status = "active"
    user.save()


def address_state(order_id, state):
    order = Order.objects.get(pk=order_id)
    order.billing_state = state
    order.save()


def advisory_lock_then_act(cur, payment):
    cur.execute("SELECT pg_advisory_xact_lock(%s)", (payment.id,))
    if payment.status == "authorized":
        psp.capture(payment.psp_reference, idempotency_key=f"capture:{payment.id}")


class Payment(models.Model):
    def mark_failed(self):
        self.status = "failed"
        self.save()


def backfill_disputed(cur):
    cur.execute("ALTER TYPE payment_status ADD VALUE 'disputed';\n" "UPDATE payments SET status = 'disputed' WHERE dispute_id IS NOT NULL AND disputed_at IS NOT NULL")


def backfill_reversed(cur):
    cur.execute("UPDATE refunds SET status = 'reversed' WHERE reversed_at IS NOT NULL")
