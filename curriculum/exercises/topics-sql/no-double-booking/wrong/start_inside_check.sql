-- A trigger-free attempt with a CHECK: a CHECK sees one row only, never the others.
ALTER TABLE bookings ADD CONSTRAINT bookings_sane_dates
    CHECK (ends_at > starts_at AND ends_at - starts_at <= interval '30 days');
