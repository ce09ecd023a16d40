SET lock_timeout = '2s';
ALTER TABLE refunds ADD CONSTRAINT refunds_charge_fk FOREIGN KEY (charge_id) REFERENCES charges (id) NOT VALID;
COMMIT;
ALTER TABLE refunds VALIDATE CONSTRAINT refunds_charge_fk;
