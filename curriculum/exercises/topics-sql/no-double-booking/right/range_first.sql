-- Column order inside the constraint does not change its meaning.
ALTER TABLE bookings ADD CONSTRAINT no_overlapping_stays
    EXCLUDE USING gist (tstzrange(starts_at, ends_at) WITH &&, room_id WITH =)
    WHERE (NOT cancelled);
