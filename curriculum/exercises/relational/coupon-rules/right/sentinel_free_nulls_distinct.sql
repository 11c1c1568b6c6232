-- Plain UNIQUE cannot do rule 2, but a unique index on lower() can; NULL customers stay
-- unlimited because NULLs are distinct in a unique index.
ALTER TABLE coupons
  ALTER COLUMN code SET NOT NULL,
  ALTER COLUMN valid_from SET NOT NULL,
  ALTER COLUMN is_active SET NOT NULL,
  ALTER COLUMN is_active SET DEFAULT true,
  ADD CHECK (num_nonnulls(percent_off, amount_off_cents) = 1),
  ADD CHECK (percent_off BETWEEN 1 AND 100),
  ADD CHECK (amount_off_cents > 0),
  ADD CHECK (valid_until - valid_from >= 1);
CREATE UNIQUE INDEX ON coupons (lower(code));
CREATE UNIQUE INDEX ON coupons (customer_id, is_active) WHERE is_active;
