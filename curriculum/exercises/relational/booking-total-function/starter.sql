CREATE FUNCTION booking_total(p_booking_id bigint) RETURNS integer
LANGUAGE plpgsql
AS $$
BEGIN
  -- 1. an id that is not a booking: RAISE EXCEPTION ... USING ERRCODE = ...
  -- 2. the sum of qty * price_cents over the booking's lines (0 when it has none)
  RETURN NULL;
END
$$;
