import { randomUUID } from "node:crypto";
import { v4 as uuidv4 } from "uuid";

export async function refundCharge(chargeId: string, refundRequest: RefundRequest) {
  // ruleid: random-idempotency-key-per-attempt
  await stripe.refunds.create({ charge: chargeId }, { idempotencyKey: randomUUID() });
  // ruleid: random-idempotency-key-per-attempt
  await stripe.payouts.create(params, { idempotencyKey: `payout-${uuidv4()}` });
  // ruleid: random-idempotency-key-per-attempt
  await fetch(url, { method: "POST", headers: { "Idempotency-Key": crypto.randomUUID() }, body });
  // ruleid: random-idempotency-key-per-attempt
  const key = `capture-${Date.now()}`;
  await stripe.paymentIntents.capture(chargeId, {}, { idempotencyKey: key });
  // ok: random-idempotency-key-per-attempt
  await stripe.refunds.create({ charge: chargeId }, { idempotencyKey: `refund:${refundRequest.id}` });
  // ok: random-idempotency-key-per-attempt
  await stripe.refunds.create({ charge: chargeId }, { idempotencyKey: refundRequest.idempotencyKey });
  // ok: random-idempotency-key-per-attempt
  const requestId = randomUUID();
}
