-- Forgets the room: no two live bookings anywhere in the hotel may overlap.
ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap
    EXCLUDE USING gist (tstzrange(starts_at, ends_at) WITH &&)
    WHERE (NOT cancelled);
