-- Only forbids two bookings starting at the same instant.
ALTER TABLE bookings ADD CONSTRAINT bookings_room_start_key UNIQUE (room_id, starts_at);
