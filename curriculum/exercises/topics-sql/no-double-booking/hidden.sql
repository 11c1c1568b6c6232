-- Schema checks run on the lab's own data; this second dataset only changes the rows
-- (still free of overlaps among live bookings) so nothing can depend on particular ids.
TRUNCATE bookings;
INSERT INTO bookings (room_id, guest, starts_at, ends_at, cancelled) VALUES
    (201, 'Oda Holm',   '2025-08-01 15:00+02', '2025-08-03 11:00+02', false),
    (201, 'Per Moen',   '2025-08-02 15:00+02', '2025-08-04 11:00+02', true),
    (202, 'Rut Sand',   '2025-08-01 15:00+02', '2025-08-02 11:00+02', false);
