-- In one transaction, with a plain index for "what is booked in room X" lookups as well.
BEGIN;
ALTER TABLE bookings ADD CONSTRAINT bookings_no_double_booking
    EXCLUDE USING gist (room_id WITH =, tstzrange(starts_at, ends_at) WITH &&)
    WHERE (NOT cancelled);
CREATE INDEX bookings_room_idx ON bookings (room_id, starts_at);
COMMIT;
