-- Say the bounds out loud: including the start, excluding the end.
ALTER TABLE bookings ADD CONSTRAINT one_guest_per_room_at_a_time
    EXCLUDE USING gist (
        room_id WITH =,
        tstzrange(starts_at, ends_at, '[)') WITH &&
    ) WHERE (cancelled IS NOT TRUE);
