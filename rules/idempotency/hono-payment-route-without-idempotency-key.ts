import { Hono } from "hono";

const app = new Hono();

// ruleid: hono-payment-route-without-idempotency-key
app.post("/payments", async (c) => {
  const body = await c.req.json();
  const intent = await stripe.paymentIntents.create({ amount: body.amountMinor, currency: body.currency });
  return c.json(intent, 201);
});

// ruleid: hono-payment-route-without-idempotency-key
app.post("/v1/charges/:id/refunds", zValidator("json", refundSchema), async (c) => {
  const refund = await refunds.create(c.req.param("id"), c.req.valid("json"));
  return c.json(refund, 201);
});

// ok: hono-payment-route-without-idempotency-key
app.post("/payments/:id/capture", async (c) => {
  const key = c.req.header("Idempotency-Key");
  if (!key) return c.json({ error: "Idempotency-Key required" }, 400);
  return c.json(await captures.create(c.req.param("id"), key));
});

// ok: hono-payment-route-without-idempotency-key
app.post("/refunds", idempotency({ store }), async (c) => {
  return c.json(await refunds.create(await c.req.json()), 201);
});

// ok: hono-payment-route-without-idempotency-key
app.post("/webhooks/stripe", async (c) => {
  const event = await verify(c);
  return c.json({ received: true });
});

// ok: hono-payment-route-without-idempotency-key
app.get("/payments/:id", async (c) => c.json(await payments.get(c.req.param("id"))));
