import { bigint, doublePrecision, integer, numeric, pgTable, real, text } from "drizzle-orm/pg-core";

export const charges = pgTable("charges", {
  id: text("id").primaryKey(),
  // ruleid: drizzle-float-money-column
  amount: doublePrecision("amount").notNull(),
  // ruleid: drizzle-float-money-column
  feeAmount: real("fee_amount"),
  // ruleid: drizzle-float-money-column
  refundedTotal: numeric("refunded_total", { precision: 12, scale: 2, mode: "number" }),
  // ok: drizzle-float-money-column
  amountMinor: bigint("amount_minor", { mode: "bigint" }).notNull(),
  // ok: drizzle-float-money-column
  balance: numeric("balance", { precision: 12, scale: 2 }),
  // ok: drizzle-float-money-column
  feeRate: real("fee_rate"),
  // ok: drizzle-float-money-column
  riskScore: doublePrecision("risk_score"),
  // ok: drizzle-float-money-column
  attempts: integer("attempts").default(0),
});
