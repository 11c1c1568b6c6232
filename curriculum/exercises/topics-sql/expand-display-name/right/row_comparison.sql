-- Compare the whole (old, new) pair of names at once.
ALTER TABLE customers ADD COLUMN display_name text;
UPDATE customers SET display_name = full_name WHERE display_name IS DISTINCT FROM full_name;

CREATE FUNCTION names_follow() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    full_changed boolean := TG_OP = 'UPDATE' AND NEW.full_name IS DISTINCT FROM OLD.full_name;
    display_changed boolean := TG_OP = 'UPDATE' AND NEW.display_name IS DISTINCT FROM OLD.display_name;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT coalesce(NEW.full_name, NEW.display_name), coalesce(NEW.display_name, NEW.full_name)
        INTO NEW.full_name, NEW.display_name;
    ELSIF full_changed THEN
        NEW.display_name := NEW.full_name;
    ELSIF display_changed THEN
        NEW.full_name := NEW.display_name;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER names_follow BEFORE INSERT OR UPDATE OF full_name, display_name ON customers
    FOR EACH ROW EXECUTE FUNCTION names_follow();
