-- Same room (=) and overlapping period (&&) may not both hold for two live bookings.
-- tstzrange(a, b) is [a, b): back-to-back stays touch without overlapping.
ALTER TABLE bookings
    ADD CONSTRAINT bookings_no_overlap
    EXCLUDE USING gist (room_id WITH =, tstzrange(starts_at, ends_at) WITH &&)
    WHERE (NOT cancelled);
