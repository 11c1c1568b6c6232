-- Dual write in place, but the existing customers never get a display_name.
ALTER TABLE customers ADD COLUMN display_name text;
CREATE FUNCTION customers_sync_names() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.display_name := coalesce(NEW.display_name, NEW.full_name);
        NEW.full_name := coalesce(NEW.full_name, NEW.display_name);
    ELSIF NEW.full_name IS DISTINCT FROM OLD.full_name THEN
        NEW.display_name := NEW.full_name;
    ELSIF NEW.display_name IS DISTINCT FROM OLD.display_name THEN
        NEW.full_name := NEW.display_name;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER customers_sync_names BEFORE INSERT OR UPDATE ON customers
    FOR EACH ROW EXECUTE FUNCTION customers_sync_names();
