-- The WHERE of an exclusion constraint is any immutable predicate on the row.
ALTER TABLE bookings ADD CONSTRAINT live_stays_do_not_overlap
    EXCLUDE USING gist (room_id WITH =, tstzrange(starts_at, ends_at) WITH &&)
    WHERE (CASE WHEN cancelled THEN false ELSE true END);
