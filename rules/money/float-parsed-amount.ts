import { Hono } from "hono";

const app = new Hono();

app.post("/charges", async (c) => {
  const body = await c.req.json();
  // ruleid: float-parsed-amount
  const amount = parseFloat(body.amount);
  // ruleid: float-parsed-amount
  const total = Number(body.totalPrice);
  // ruleid: float-parsed-amount
  const label = (order.amountCents / 100).toFixed(2);
  // ruleid: float-parsed-amount
  const cents = Math.round(refundAmount * 100);
  // ok: float-parsed-amount
  const amountCents = Number(body.amountCents);
  // ok: float-parsed-amount
  const feeRate = parseFloat(body.feeRate);
  // ok: float-parsed-amount
  const chargeCount = Number(body.chargeCount);
  // ok: float-parsed-amount
  const page = Number(c.req.query("page"));
  // ok: float-parsed-amount
  const paymentId = Number(body.paymentId);
  // ok: float-parsed-amount
  const latency = Math.round(elapsedMs);
  return c.json({ amount, total, label, cents, amountCents, feeRate, chargeCount, page, paymentId, latency });
});
