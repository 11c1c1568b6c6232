-- Prices the lines at today's ticket price instead of the booked one.
CREATE FUNCTION booking_total(p_booking_id bigint) RETURNS integer
LANGUAGE plpgsql STRICT AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM bookings WHERE id = p_booking_id) THEN
    RAISE EXCEPTION 'booking % does not exist', p_booking_id USING ERRCODE = 'no_data_found';
  END IF;
  RETURN (SELECT coalesce(sum(l.qty * t.price_cents), 0)
          FROM booking_lines l JOIN ticket_types t ON t.code = l.code
          WHERE l.booking_id = p_booking_id);
END $$;
