-- Constraints added NOT VALID (no scan, short lock) and validated afterwards, as on a big live table.
ALTER TABLE coupons ALTER COLUMN code SET NOT NULL;
ALTER TABLE coupons ALTER COLUMN valid_from SET NOT NULL;
ALTER TABLE coupons ALTER COLUMN is_active SET NOT NULL;
ALTER TABLE coupons ALTER COLUMN is_active SET DEFAULT TRUE;
ALTER TABLE coupons ADD CONSTRAINT one_discount CHECK (num_nulls(percent_off, amount_off_cents) = 1) NOT VALID;
ALTER TABLE coupons ADD CONSTRAINT percent_range CHECK (percent_off BETWEEN 1 AND 100) NOT VALID;
ALTER TABLE coupons ADD CONSTRAINT amount_positive CHECK (amount_off_cents > 0) NOT VALID;
ALTER TABLE coupons ADD CONSTRAINT until_after_from CHECK (valid_until > valid_from) NOT VALID;
ALTER TABLE coupons VALIDATE CONSTRAINT one_discount;
ALTER TABLE coupons VALIDATE CONSTRAINT percent_range;
ALTER TABLE coupons VALIDATE CONSTRAINT amount_positive;
ALTER TABLE coupons VALIDATE CONSTRAINT until_after_from;
CREATE UNIQUE INDEX coupons_code_ci ON coupons (lower(code));
CREATE UNIQUE INDEX coupons_single_active ON coupons (customer_id) WHERE is_active;
