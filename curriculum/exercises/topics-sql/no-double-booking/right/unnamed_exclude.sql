ALTER TABLE bookings
    ADD EXCLUDE USING gist (room_id WITH =, tstzrange(starts_at, ends_at) WITH &&)
    WHERE (cancelled = false);
