-- The trigger's WHEN clause decides whether it fires at all.
ALTER TABLE customers ADD COLUMN display_name text;

CREATE FUNCTION names_from_full() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.display_name := NEW.full_name;
    RETURN NEW;
END $$;

CREATE FUNCTION names_from_display() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.full_name := NEW.display_name;
    RETURN NEW;
END $$;

CREATE TRIGGER insert_old_code BEFORE INSERT ON customers
    FOR EACH ROW WHEN (NEW.display_name IS NULL) EXECUTE FUNCTION names_from_full();
CREATE TRIGGER insert_new_code BEFORE INSERT ON customers
    FOR EACH ROW WHEN (NEW.full_name IS NULL) EXECUTE FUNCTION names_from_display();
CREATE TRIGGER update_old_code BEFORE UPDATE ON customers
    FOR EACH ROW WHEN (NEW.full_name IS DISTINCT FROM OLD.full_name)
    EXECUTE FUNCTION names_from_full();
CREATE TRIGGER update_new_code BEFORE UPDATE ON customers
    FOR EACH ROW WHEN (NEW.full_name IS NOT DISTINCT FROM OLD.full_name
                       AND NEW.display_name IS DISTINCT FROM OLD.display_name)
    EXECUTE FUNCTION names_from_display();

UPDATE customers SET display_name = full_name;
