-- 1. Add the new, nullable column.
ALTER TABLE customers ADD COLUMN display_name text;

-- 2. Keep full_name and display_name in step on every INSERT and UPDATE (a trigger).

-- 3. Backfill display_name for the existing rows.
