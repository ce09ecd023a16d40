export async function refundCharge(chargeId: string, key: string) {
  // ruleid: swallowed-promise-rejection
  const refund = await stripe.refunds.create({ charge: chargeId }, { idempotencyKey: key }).catch(() => null);
  // ruleid: swallowed-promise-rejection
  await ledger.post(entries).catch(() => {});
  // ruleid: swallowed-promise-rejection
  await notifyMerchant(chargeId).catch((err) => undefined);
  // ok: swallowed-promise-rejection
  const intent = await stripe.paymentIntents.retrieve(chargeId).catch((err) => {
    logger.error({ err, chargeId }, "retrieve failed");
    throw err;
  });
  // ok: swallowed-promise-rejection
  const payout = await createPayout(chargeId).catch((err) => ({ ok: false, error: String(err) }));
  return { refund, intent, payout };
}
