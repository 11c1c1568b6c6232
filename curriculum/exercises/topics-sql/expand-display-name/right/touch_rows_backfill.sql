-- The trigger also fills a missing display_name on any update, so "touching" every row
-- with a no-op update is the backfill.
ALTER TABLE customers ADD COLUMN display_name text;

CREATE FUNCTION sync_customer_names() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.display_name := coalesce(NEW.display_name, NEW.full_name);
        NEW.full_name := coalesce(NEW.full_name, NEW.display_name);
    ELSIF NEW.full_name IS DISTINCT FROM OLD.full_name OR NEW.display_name IS NULL THEN
        NEW.display_name := NEW.full_name;
    ELSIF NEW.display_name IS DISTINCT FROM OLD.display_name THEN
        NEW.full_name := NEW.display_name;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER sync_customer_names BEFORE INSERT OR UPDATE ON customers
    FOR EACH ROW EXECUTE FUNCTION sync_customer_names();

UPDATE customers SET full_name = full_name;
