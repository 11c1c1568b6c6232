-- 1. Expand: a nullable column is a catalog-only change (no rewrite, a brief lock).
ALTER TABLE customers ADD COLUMN display_name text;

-- 2. Dual write before the backfill, so rows written during the backfill are covered too.
CREATE FUNCTION customers_sync_names() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.display_name := coalesce(NEW.display_name, NEW.full_name);
        NEW.full_name := coalesce(NEW.full_name, NEW.display_name);
    ELSIF NEW.full_name IS DISTINCT FROM OLD.full_name THEN
        NEW.display_name := NEW.full_name;         -- old code renamed the customer
    ELSIF NEW.display_name IS DISTINCT FROM OLD.display_name THEN
        NEW.full_name := NEW.display_name;         -- new code renamed the customer
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER customers_sync_names BEFORE INSERT OR UPDATE ON customers
    FOR EACH ROW EXECUTE FUNCTION customers_sync_names();

-- 3. Backfill (on a big table: in batches, committing in between).
UPDATE customers SET display_name = full_name WHERE display_name IS NULL;
