CREATE FUNCTION booking_total(p_booking_id bigint)
RETURNS integer
LANGUAGE plpgsql
STABLE
RETURNS NULL ON NULL INPUT
AS $$
DECLARE
  t record;
BEGIN
  SELECT b.id, s.cents INTO t
  FROM bookings b
  CROSS JOIN LATERAL (SELECT coalesce(sum(l.qty * l.price_cents), 0) AS cents
                      FROM booking_lines l WHERE l.booking_id = b.id) s
  WHERE b.id = p_booking_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'booking % not found', p_booking_id USING ERRCODE = 'no_data_found',
                                                          HINT = 'check the booking id';
  END IF;
  RETURN t.cents;
END
$$;
