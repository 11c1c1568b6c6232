CREATE FUNCTION booking_total(p_booking_id bigint) RETURNS integer
LANGUAGE plpgsql STRICT AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM bookings WHERE id = p_booking_id) THEN
    RAISE EXCEPTION 'booking % does not exist', p_booking_id USING ERRCODE = 'no_data_found';
  END IF;
  RETURN (SELECT sum(qty * price_cents) FROM booking_lines WHERE booking_id = p_booking_id);
END $$;
