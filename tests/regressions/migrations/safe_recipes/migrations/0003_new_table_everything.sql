BEGIN;
CREATE TABLE payouts (
    id bigserial PRIMARY KEY,
    merchant_id bigint NOT NULL,
    amount_minor bigint NOT NULL,
    currency char(3) NOT NULL,
    token uuid DEFAULT gen_random_uuid()
);
CREATE INDEX ix_payouts_merchant ON payouts (merchant_id);
ALTER TABLE payouts ADD CONSTRAINT payouts_amount_positive CHECK (amount_minor > 0);
ALTER TABLE payouts ADD CONSTRAINT payouts_currency_key UNIQUE (currency, id);
INSERT INTO payouts (merchant_id, amount_minor, currency) VALUES (1, 100, 'EUR');
UPDATE payouts SET currency = 'USD' WHERE id = 1;
COMMIT;
