-- A single INSERT ... SELECT with a WHERE that drops no-op updates.
CREATE FUNCTION record_payment_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outbox (aggregate_id, event_type, payload)
    SELECT NEW.id,
           CASE WHEN TG_OP = 'INSERT' THEN 'PaymentCreated' ELSE 'PaymentStatusChanged' END,
           CASE WHEN TG_OP = 'INSERT'
                THEN jsonb_build_object('order_ref', NEW.order_ref, 'amount', NEW.amount, 'status', NEW.status)
                ELSE jsonb_build_object('from', OLD.status, 'to', NEW.status) END
    WHERE TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM NEW.status;
    RETURN NEW;
END $$;

CREATE TRIGGER record_payment_event AFTER INSERT OR UPDATE ON payments
FOR EACH ROW EXECUTE FUNCTION record_payment_event();
