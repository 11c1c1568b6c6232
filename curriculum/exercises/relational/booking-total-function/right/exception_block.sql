-- Lets STRICT raise, catches it and re-raises with a message that names the id.
CREATE FUNCTION booking_total(p_booking_id bigint) RETURNS integer
LANGUAGE plpgsql STRICT AS $$
DECLARE
  v_ref text;
BEGIN
  BEGIN
    SELECT ref INTO STRICT v_ref FROM bookings WHERE id = p_booking_id;
  EXCEPTION WHEN no_data_found THEN
    RAISE EXCEPTION 'booking % does not exist', p_booking_id USING ERRCODE = 'no_data_found';
  END;
  RETURN (SELECT coalesce(sum(qty * price_cents), 0) FROM booking_lines WHERE booking_id = p_booking_id);
END $$;
