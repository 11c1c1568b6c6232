-- A BEFORE trigger that returns NULL: the events are written, the payment changes are skipped.
CREATE FUNCTION payments_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO outbox (aggregate_id, event_type, payload)
        VALUES (NEW.id, 'PaymentCreated',
                jsonb_build_object('order_ref', NEW.order_ref, 'amount', NEW.amount, 'status', NEW.status));
    ELSIF NEW.status IS DISTINCT FROM OLD.status THEN
        INSERT INTO outbox (aggregate_id, event_type, payload)
        VALUES (NEW.id, 'PaymentStatusChanged', jsonb_build_object('from', OLD.status, 'to', NEW.status));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER payments_outbox BEFORE INSERT OR UPDATE ON payments FOR EACH ROW EXECUTE FUNCTION payments_outbox();
