-- Keeps inserts in step but forgets renames.
ALTER TABLE customers ADD COLUMN display_name text;
UPDATE customers SET display_name = full_name;
CREATE FUNCTION fill_names() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.display_name := coalesce(NEW.display_name, NEW.full_name);
    NEW.full_name := coalesce(NEW.full_name, NEW.display_name);
    RETURN NEW;
END $$;
CREATE TRIGGER fill_names BEFORE INSERT ON customers FOR EACH ROW EXECUTE FUNCTION fill_names();
