-- The total in a SQL function; a PL/pgSQL helper raises the error (SQL itself cannot RAISE).
CREATE FUNCTION missing_booking(p_id bigint) RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'booking % does not exist', p_id USING ERRCODE = 'no_data_found';
END $$;

CREATE FUNCTION booking_total(p_booking_id bigint) RETURNS integer
LANGUAGE sql STABLE STRICT AS $$
  SELECT CASE
           WHEN EXISTS (SELECT 1 FROM bookings WHERE id = p_booking_id)
           THEN (SELECT coalesce(sum(qty * price_cents), 0)::integer
                   FROM booking_lines WHERE booking_id = p_booking_id)
           ELSE missing_booking(p_booking_id)
         END
$$;
