-- UPDATE OF status fires whenever status is named in SET, so SET status = status still writes an event.
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
CREATE TRIGGER payments_outbox AFTER INSERT OR UPDATE OF status ON payments FOR EACH ROW EXECUTE FUNCTION payments_outbox();
