-- SELECT ... INTO STRICT raises no_data_found by itself when no booking matches.
CREATE FUNCTION booking_total(p_booking_id bigint) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  v_id bigint;
  v_total integer;
BEGIN
  IF p_booking_id IS NULL THEN
    RETURN NULL;
  END IF;
  SELECT id INTO STRICT v_id FROM bookings WHERE id = p_booking_id;
  SELECT sum(qty * price_cents) INTO v_total FROM booking_lines WHERE booking_id = v_id;
  RETURN coalesce(v_total, 0);
END $$;
