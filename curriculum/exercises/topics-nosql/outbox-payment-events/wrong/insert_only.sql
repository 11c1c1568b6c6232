-- Only new payments produce events; status changes are never announced.
CREATE FUNCTION payments_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outbox (aggregate_id, event_type, payload)
    VALUES (NEW.id, 'PaymentCreated',
            jsonb_build_object('order_ref', NEW.order_ref, 'amount', NEW.amount, 'status', NEW.status));
    RETURN NULL;
END $$;
CREATE TRIGGER payments_outbox AFTER INSERT ON payments FOR EACH ROW EXECUTE FUNCTION payments_outbox();
