-- Payload built with jsonb_object and to_jsonb for the number.
CREATE FUNCTION outbox_writer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO outbox (aggregate_id, event_type, payload)
        VALUES (NEW.id, 'PaymentCreated',
                jsonb_build_object('order_ref', NEW.order_ref, 'status', NEW.status)
                || jsonb_build_object('amount', to_jsonb(NEW.amount)));
        RETURN NULL;
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        INSERT INTO outbox (aggregate_id, event_type, payload)
        VALUES (NEW.id, 'PaymentStatusChanged', jsonb_object(ARRAY['from', OLD.status, 'to', NEW.status]));
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER outbox_writer AFTER INSERT OR UPDATE OF status ON payments
FOR EACH ROW EXECUTE FUNCTION outbox_writer();
