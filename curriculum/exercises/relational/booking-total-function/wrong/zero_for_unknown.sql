-- A SQL function: an unknown booking just costs 0.
CREATE FUNCTION booking_total(p_booking_id bigint) RETURNS integer
LANGUAGE sql STRICT AS $$
  SELECT coalesce(sum(qty * price_cents), 0)::integer FROM booking_lines WHERE booking_id = p_booking_id
$$;
