BEGIN;
ALTER TABLE coupons
    ALTER code SET NOT NULL,
    ALTER valid_from SET NOT NULL,
    ALTER is_active SET NOT NULL,
    ALTER is_active SET DEFAULT 't';
-- valid_until at least one day after valid_from
ALTER TABLE coupons ADD CONSTRAINT coupons_until CHECK (valid_until >= valid_from + 1);
ALTER TABLE coupons ADD CONSTRAINT coupons_pct CHECK (int4range(1, 100, '[]') @> percent_off);
ALTER TABLE coupons ADD CONSTRAINT coupons_amt CHECK (amount_off_cents > 0);
ALTER TABLE coupons ADD CONSTRAINT coupons_kind CHECK (num_nonnulls(percent_off, amount_off_cents) = 1);
CREATE UNIQUE INDEX coupons_code_ci ON coupons (lower(code));
CREATE UNIQUE INDEX coupons_active_owner ON coupons (customer_id) WHERE is_active;
COMMIT;
