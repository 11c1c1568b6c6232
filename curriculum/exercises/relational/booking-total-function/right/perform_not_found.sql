create or replace function booking_total(p_booking_id bigint) returns integer
language plpgsql stable strict as $$
declare
  total integer := 0;
begin
  perform 1 from bookings where id = p_booking_id;
  if not found then
    raise exception 'no booking with id %', p_booking_id using errcode = 'P0002';
  end if;
  select coalesce(sum(qty * price_cents), 0) into total from booking_lines where booking_id = p_booking_id;
  return total;
end $$;
