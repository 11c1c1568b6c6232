-- One query: the booking LEFT JOIN its lines; no row at all means no booking.
CREATE FUNCTION booking_total(p_booking_id bigint) RETURNS integer
LANGUAGE plpgsql STRICT AS $$
DECLARE
  v_found boolean;
  v_total integer;
BEGIN
  SELECT true, coalesce(sum(l.qty * l.price_cents), 0)
    INTO v_found, v_total
    FROM bookings b
    LEFT JOIN booking_lines l ON l.booking_id = b.id
   WHERE b.id = p_booking_id
   GROUP BY b.id;
  IF v_found IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'no_data_found', MESSAGE = 'unknown booking ' || p_booking_id;
  END IF;
  RETURN v_total;
END $$;
