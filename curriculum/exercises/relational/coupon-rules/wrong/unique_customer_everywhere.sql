-- UNIQUE (customer_id, is_active): Ana can have only one INACTIVE coupon too.
ALTER TABLE coupons ALTER COLUMN code SET NOT NULL, ALTER COLUMN valid_from SET NOT NULL,
    ALTER COLUMN is_active SET NOT NULL, ALTER COLUMN is_active SET DEFAULT true;
CREATE UNIQUE INDEX ON coupons (lower(code));
ALTER TABLE coupons ADD CHECK (num_nonnulls(percent_off, amount_off_cents) = 1),
    ADD CHECK (percent_off BETWEEN 1 AND 100), ADD CHECK (amount_off_cents > 0),
    ADD CHECK (valid_until > valid_from);
ALTER TABLE coupons ADD UNIQUE (customer_id, is_active);
