-- Writes a status event for every update, even when only the note changed.
CREATE FUNCTION payments_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO outbox (aggregate_id, event_type, payload)
        VALUES (NEW.id, 'PaymentCreated',
                jsonb_build_object('order_ref', NEW.order_ref, 'amount', NEW.amount, 'status', NEW.status));
    ELSE
        INSERT INTO outbox (aggregate_id, event_type, payload)
        VALUES (NEW.id, 'PaymentStatusChanged', jsonb_build_object('from', OLD.status, 'to', NEW.status));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER payments_outbox AFTER INSERT OR UPDATE ON payments FOR EACH ROW EXECUTE FUNCTION payments_outbox();
