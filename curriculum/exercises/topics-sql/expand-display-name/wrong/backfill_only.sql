-- Copies the data once and stops there: later writes drift apart.
ALTER TABLE customers ADD COLUMN display_name text;
UPDATE customers SET display_name = full_name;
