-- One function per event, and a WHEN clause so the update trigger only fires on a status change.
CREATE FUNCTION outbox_payment_created() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outbox (aggregate_id, event_type, payload)
    VALUES (NEW.id, 'PaymentCreated',
            jsonb_build_object('order_ref', NEW.order_ref, 'amount', NEW.amount, 'status', NEW.status));
    RETURN NEW;
END $$;

CREATE FUNCTION outbox_payment_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outbox (aggregate_id, event_type, payload)
    VALUES (NEW.id, 'PaymentStatusChanged', jsonb_build_object('from', OLD.status, 'to', NEW.status));
    RETURN NEW;
END $$;

CREATE TRIGGER payment_created AFTER INSERT ON payments
FOR EACH ROW EXECUTE FUNCTION outbox_payment_created();

CREATE TRIGGER payment_status_changed AFTER UPDATE OF status ON payments
FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
EXECUTE FUNCTION outbox_payment_status();
