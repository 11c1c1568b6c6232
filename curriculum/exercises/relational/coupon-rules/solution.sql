-- 1. required columns and the default
ALTER TABLE coupons
    ALTER COLUMN code SET NOT NULL,
    ALTER COLUMN valid_from SET NOT NULL,
    ALTER COLUMN is_active SET NOT NULL,
    ALTER COLUMN is_active SET DEFAULT true;

-- 2. unique without regard to case: a unique index on an expression
CREATE UNIQUE INDEX coupons_code_ci_key ON coupons (lower(code));

-- 3. and 4. exactly one kind of discount, each in its range (a NULL passes a CHECK)
ALTER TABLE coupons
    ADD CONSTRAINT coupons_one_discount CHECK (num_nonnulls(percent_off, amount_off_cents) = 1),
    ADD CONSTRAINT coupons_percent_range CHECK (percent_off BETWEEN 1 AND 100),
    ADD CONSTRAINT coupons_amount_positive CHECK (amount_off_cents > 0),
    -- 5. NULL valid_until makes the comparison NULL, and the CHECK passes
    ADD CONSTRAINT coupons_valid_range CHECK (valid_until > valid_from);

-- 6. uniqueness over a subset of rows: a partial unique index
CREATE UNIQUE INDEX coupons_one_active_per_customer ON coupons (customer_id) WHERE is_active;
