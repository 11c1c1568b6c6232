-- UPDATE OF <column> fires only when the statement's SET list names that column.
ALTER TABLE customers ADD COLUMN display_name text;
UPDATE customers SET display_name = full_name;

CREATE FUNCTION copy_full_to_display() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.display_name := NEW.full_name;
    RETURN NEW;
END $$;

CREATE FUNCTION copy_display_to_full() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.full_name := NEW.display_name;
    RETURN NEW;
END $$;

CREATE FUNCTION fill_missing_name() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.display_name := coalesce(NEW.display_name, NEW.full_name);
    NEW.full_name := coalesce(NEW.full_name, NEW.display_name);
    RETURN NEW;
END $$;

CREATE TRIGGER a_insert BEFORE INSERT ON customers
    FOR EACH ROW EXECUTE FUNCTION fill_missing_name();
CREATE TRIGGER b_old_code_update BEFORE UPDATE OF full_name ON customers
    FOR EACH ROW EXECUTE FUNCTION copy_full_to_display();
CREATE TRIGGER c_new_code_update BEFORE UPDATE OF display_name ON customers
    FOR EACH ROW EXECUTE FUNCTION copy_display_to_full();
