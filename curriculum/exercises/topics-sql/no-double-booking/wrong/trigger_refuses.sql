-- A trigger that looks for overlaps: not a constraint, and racy under concurrent inserts.
CREATE FUNCTION refuse_overlap() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT NEW.cancelled AND EXISTS (
        SELECT 1 FROM bookings b
        WHERE b.room_id = NEW.room_id AND NOT b.cancelled AND b.id <> NEW.id
          AND b.starts_at < NEW.ends_at AND NEW.starts_at < b.ends_at
    ) THEN
        RAISE EXCEPTION 'room % is already booked', NEW.room_id;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER bookings_refuse_overlap BEFORE INSERT OR UPDATE ON bookings
    FOR EACH ROW EXECUTE FUNCTION refuse_overlap();
