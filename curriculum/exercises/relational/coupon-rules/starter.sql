-- 1. required columns and the default
ALTER TABLE coupons ALTER COLUMN code SET NOT NULL;

-- 2. ... 6.: one constraint or index per rule; name them
