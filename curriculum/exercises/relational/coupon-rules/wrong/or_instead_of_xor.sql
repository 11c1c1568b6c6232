-- "at least one" instead of "exactly one": a coupon can give both discounts.
ALTER TABLE coupons ALTER COLUMN code SET NOT NULL, ALTER COLUMN valid_from SET NOT NULL,
    ALTER COLUMN is_active SET NOT NULL, ALTER COLUMN is_active SET DEFAULT true;
CREATE UNIQUE INDEX ON coupons (lower(code));
ALTER TABLE coupons ADD CHECK (percent_off IS NOT NULL OR amount_off_cents IS NOT NULL),
    ADD CHECK (percent_off BETWEEN 1 AND 100), ADD CHECK (amount_off_cents > 0),
    ADD CHECK (valid_until > valid_from);
CREATE UNIQUE INDEX ON coupons (customer_id) WHERE is_active;
