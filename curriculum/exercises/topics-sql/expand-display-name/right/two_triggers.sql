ALTER TABLE customers ADD COLUMN display_name text;
UPDATE customers SET display_name = full_name;

CREATE FUNCTION fill_names_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.display_name IS NULL THEN
        NEW.display_name := NEW.full_name;
    ELSIF NEW.full_name IS NULL THEN
        NEW.full_name := NEW.display_name;
    END IF;
    RETURN NEW;
END $$;

CREATE FUNCTION copy_names_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.full_name IS DISTINCT FROM OLD.full_name THEN
        NEW.display_name := NEW.full_name;
    ELSIF NEW.display_name IS DISTINCT FROM OLD.display_name THEN
        NEW.full_name := NEW.display_name;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER names_insert BEFORE INSERT ON customers
    FOR EACH ROW EXECUTE FUNCTION fill_names_on_insert();
CREATE TRIGGER names_update BEFORE UPDATE ON customers
    FOR EACH ROW EXECUTE FUNCTION copy_names_on_update();
