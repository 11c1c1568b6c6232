-- A BEFORE trigger works as long as it hands the row back with RETURN NEW.
CREATE OR REPLACE FUNCTION payment_event() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.status = NEW.status THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'INSERT' THEN
    INSERT INTO outbox (aggregate_id, event_type, payload)
    SELECT NEW.id, 'PaymentCreated', jsonb_build_object('order_ref', NEW.order_ref, 'amount', NEW.amount, 'status', NEW.status);
  ELSE
    INSERT INTO outbox (aggregate_id, event_type, payload)
    SELECT NEW.id, 'PaymentStatusChanged', jsonb_build_object('from', OLD.status, 'to', NEW.status);
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER payment_event BEFORE INSERT OR UPDATE ON payments
FOR EACH ROW EXECUTE PROCEDURE payment_event();
