CREATE UNIQUE INDEX CONCURRENTLY ix_payments_idem ON payments (idempotency_key);
SET lock_timeout = '2s';
ALTER TABLE payments ADD CONSTRAINT payments_idem_key UNIQUE USING INDEX ix_payments_idem;
