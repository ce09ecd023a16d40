export async function refundForTest(chargeId: string) {
  try {
    await stripe.refunds.create({ charge: chargeId }, { idempotencyKey: `refund:${chargeId}` });
  } catch (err) {
  }
}
