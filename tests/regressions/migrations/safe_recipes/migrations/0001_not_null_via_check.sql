-- Safe recipe: NOT NULL through a NOT VALID CHECK validated in its own transaction (PG 12+).
SET lock_timeout = '2s';
ALTER TABLE payments ADD CONSTRAINT payments_customer_nn CHECK (customer_id IS NOT NULL) NOT VALID;
ALTER TABLE payments VALIDATE CONSTRAINT payments_customer_nn;
ALTER TABLE payments ALTER COLUMN customer_id SET NOT NULL;
ALTER TABLE payments DROP CONSTRAINT payments_customer_nn;
