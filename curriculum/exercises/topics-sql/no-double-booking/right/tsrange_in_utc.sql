-- Compare the stays as UTC wall-clock ranges: the same instants, so the same overlaps.
ALTER TABLE bookings ADD CONSTRAINT bookings_utc_no_overlap
    EXCLUDE USING gist (
        room_id WITH =,
        tsrange(starts_at AT TIME ZONE 'UTC', ends_at AT TIME ZONE 'UTC') WITH &&
    ) WHERE (NOT cancelled);
