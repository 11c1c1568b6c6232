CREATE FUNCTION booking_total(p_booking_id bigint) RETURNS integer
LANGUAGE plpgsql STABLE STRICT          -- STRICT: a NULL id returns NULL without running the body
AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM bookings WHERE id = p_booking_id) THEN
    RAISE EXCEPTION 'booking % does not exist', p_booking_id
      USING ERRCODE = 'no_data_found';
  END IF;
  -- sum over no lines is NULL: a booking without lines costs 0
  RETURN (SELECT coalesce(sum(qty * price_cents), 0)
          FROM booking_lines
          WHERE booking_id = p_booking_id);
END
$$;
