-- CREATE OR REPLACE everything, so the script can be run twice; separate INSERT and UPDATE triggers.
CREATE OR REPLACE FUNCTION payments_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    CASE TG_OP
        WHEN 'INSERT' THEN
            INSERT INTO outbox (aggregate_id, event_type, payload)
            VALUES (NEW.id, 'PaymentCreated', jsonb_build_object('order_ref', NEW.order_ref,
                                                                 'amount', NEW.amount,
                                                                 'status', NEW.status));
        WHEN 'UPDATE' THEN
            IF (OLD.status, NEW.status) IS DISTINCT FROM (NEW.status, OLD.status) THEN
                INSERT INTO outbox (aggregate_id, event_type, payload)
                VALUES (NEW.id, 'PaymentStatusChanged', jsonb_build_object('from', OLD.status, 'to', NEW.status));
            END IF;
    END CASE;
    RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER payments_outbox_ins AFTER INSERT ON payments
FOR EACH ROW EXECUTE FUNCTION payments_outbox();
CREATE OR REPLACE TRIGGER payments_outbox_upd AFTER UPDATE ON payments
FOR EACH ROW EXECUTE FUNCTION payments_outbox();
