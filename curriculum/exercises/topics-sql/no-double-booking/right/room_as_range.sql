-- Without btree_gist: a one-value integer range overlaps another only when the rooms are equal.
ALTER TABLE bookings ADD CONSTRAINT bookings_room_time_excl
    EXCLUDE USING gist (
        int4range(room_id, room_id, '[]') WITH &&,
        tstzrange(starts_at, ends_at) WITH &&
    ) WHERE (NOT cancelled);
