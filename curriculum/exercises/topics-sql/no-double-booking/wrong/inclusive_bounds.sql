-- [] ranges: a stay ending at 11:00 overlaps one starting at 11:00.
ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap
    EXCLUDE USING gist (room_id WITH =, tstzrange(starts_at, ends_at, '[]') WITH &&)
    WHERE (NOT cancelled);
