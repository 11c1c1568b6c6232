BEGIN;
SET LOCAL lock_timeout = '2s';
ALTER TABLE customers ADD COLUMN IF NOT EXISTS display_name text;
COMMIT;

UPDATE customers c
SET display_name = src.full_name
FROM (SELECT id, full_name FROM customers) AS src
WHERE src.id = c.id AND c.display_name IS NULL;

CREATE FUNCTION customers_dual_write() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    CASE TG_OP
        WHEN 'INSERT' THEN
            IF NEW.full_name IS NULL THEN NEW.full_name := NEW.display_name; END IF;
            IF NEW.display_name IS NULL THEN NEW.display_name := NEW.full_name; END IF;
        WHEN 'UPDATE' THEN
            IF NEW.full_name IS DISTINCT FROM OLD.full_name THEN
                NEW.display_name := NEW.full_name;
            ELSIF NEW.display_name IS DISTINCT FROM OLD.display_name THEN
                NEW.full_name := NEW.display_name;
            END IF;
    END CASE;
    RETURN NEW;
END
$fn$;

CREATE TRIGGER customers_dual_write
BEFORE INSERT OR UPDATE ON customers
FOR EACH ROW EXECUTE PROCEDURE customers_dual_write();
