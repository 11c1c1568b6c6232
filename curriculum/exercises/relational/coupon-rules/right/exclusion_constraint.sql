-- Rule 6 as an exclusion constraint over a btree index (equality is enough for btree).
ALTER TABLE coupons
    ALTER COLUMN code SET NOT NULL,
    ALTER COLUMN valid_from SET NOT NULL,
    ALTER COLUMN is_active SET DEFAULT true,
    ALTER COLUMN is_active SET NOT NULL,
    ADD CONSTRAINT coupons_discount_kind CHECK (
        (percent_off IS NOT NULL AND amount_off_cents IS NULL)
     OR (percent_off IS NULL AND amount_off_cents IS NOT NULL)),
    ADD CONSTRAINT coupons_percent CHECK (percent_off > 0 AND percent_off < 101),
    ADD CONSTRAINT coupons_amount CHECK (amount_off_cents > 0),
    ADD CONSTRAINT coupons_dates CHECK (valid_until > valid_from),
    ADD CONSTRAINT coupons_one_active EXCLUDE USING btree (customer_id WITH =) WHERE (is_active);
CREATE UNIQUE INDEX coupons_code_lower ON coupons (lower(code));
