SET lock_timeout = '2s';
ALTER TABLE charges ADD COLUMN captured_at timestamptz DEFAULT now();
ALTER TABLE charges ADD COLUMN status text NOT NULL DEFAULT 'pending';
ALTER TABLE charges ALTER COLUMN status SET DEFAULT 'created';
COMMENT ON COLUMN charges.status IS 'lifecycle';
