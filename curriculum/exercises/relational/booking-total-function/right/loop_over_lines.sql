-- Adds the lines up one by one.
CREATE FUNCTION booking_total(p_booking_id bigint) RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
  l record;
  acc integer := 0;
BEGIN
  IF p_booking_id IS NULL THEN RETURN NULL; END IF;
  IF (SELECT count(*) FROM bookings WHERE id = p_booking_id) = 0 THEN
    RAISE no_data_found USING MESSAGE = format('booking %s not found', p_booking_id);
  END IF;
  FOR l IN SELECT qty, price_cents FROM booking_lines WHERE booking_id = p_booking_id LOOP
    acc := acc + l.qty * l.price_cents;
  END LOOP;
  RETURN acc;
END
$$;
