-- Uniqueness through lower() in a named constraint-like index, the rest as table constraints.
ALTER TABLE coupons ALTER COLUMN code SET NOT NULL, ALTER COLUMN valid_from SET NOT NULL;
ALTER TABLE coupons ALTER COLUMN is_active SET NOT NULL, ALTER COLUMN is_active SET DEFAULT (1 = 1);
CREATE UNIQUE INDEX coupons_code_unique_ci ON coupons USING btree (lower(code) text_pattern_ops);
ALTER TABLE coupons ADD CONSTRAINT chk_discount_xor CHECK (num_nonnulls(percent_off, amount_off_cents) = 1 AND coalesce(percent_off, 1) BETWEEN 1 AND 100 AND coalesce(amount_off_cents, 1) > 0);
ALTER TABLE coupons ADD CONSTRAINT chk_percent CHECK (percent_off <= 100 AND percent_off >= 1);
ALTER TABLE coupons ADD CONSTRAINT chk_amount CHECK (amount_off_cents > 0);
ALTER TABLE coupons ADD CONSTRAINT chk_period CHECK (valid_from < valid_until);
CREATE UNIQUE INDEX coupons_one_active ON coupons (customer_id) WHERE (is_active IS TRUE);
