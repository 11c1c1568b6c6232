ALTER TABLE customers ADD COLUMN display_name text;

CREATE OR REPLACE FUNCTION keep_names_in_step() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.full_name <> OLD.full_name THEN
            NEW.display_name := NEW.full_name;
        ELSIF NEW.display_name IS DISTINCT FROM OLD.display_name THEN
            NEW.full_name := NEW.display_name;
        END IF;
    ELSE
        NEW.full_name := CASE WHEN NEW.full_name IS NULL THEN NEW.display_name ELSE NEW.full_name END;
        NEW.display_name := CASE WHEN NEW.display_name IS NULL THEN NEW.full_name ELSE NEW.display_name END;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER keep_names_in_step BEFORE INSERT OR UPDATE ON customers
    FOR EACH ROW EXECUTE FUNCTION keep_names_in_step();

-- backfill ten rows at a time, as you would on a big table
DO $$
DECLARE
    n integer;
BEGIN
    LOOP
        UPDATE customers SET display_name = full_name
        WHERE id IN (SELECT id FROM customers WHERE display_name IS NULL ORDER BY id LIMIT 10);
        GET DIAGNOSTICS n = ROW_COUNT;
        EXIT WHEN n = 0;
    END LOOP;
END $$;
