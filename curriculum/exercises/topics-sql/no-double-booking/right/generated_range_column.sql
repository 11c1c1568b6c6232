-- Keep the stay as a real range column, computed from the two timestamps.
ALTER TABLE bookings
    ADD COLUMN stay tstzrange GENERATED ALWAYS AS (tstzrange(starts_at, ends_at)) STORED;

ALTER TABLE bookings ADD CONSTRAINT bookings_stay_excl
    EXCLUDE USING gist (room_id WITH =, stay WITH &&) WHERE (NOT cancelled);
