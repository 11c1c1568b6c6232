-- json_build_object cast to jsonb, and a CASE to pick the event type.
create function payments_to_outbox() returns trigger language plpgsql as $fn$
declare
    kind text;
    body jsonb;
begin
    if tg_op = 'UPDATE' and new.status is not distinct from old.status then
        return null;
    end if;
    kind := case tg_op when 'INSERT' then 'PaymentCreated' else 'PaymentStatusChanged' end;
    if tg_op = 'INSERT' then
        body := json_build_object('order_ref', new.order_ref, 'amount', new.amount, 'status', new.status)::jsonb;
    else
        body := json_build_object('from', old.status, 'to', new.status)::jsonb;
    end if;
    insert into outbox (aggregate_id, event_type, payload) values (new.id, kind, body);
    return null;
end
$fn$;

create trigger payments_to_outbox after insert or update on payments
for each row execute function payments_to_outbox();
