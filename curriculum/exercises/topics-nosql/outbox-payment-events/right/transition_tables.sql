-- Statement-level triggers with transition tables: one INSERT ... SELECT per statement,
-- one outbox row per changed payment, in the order the rows were changed.
CREATE FUNCTION outbox_from_new_payments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outbox (aggregate_id, event_type, payload)
    SELECT n.id, 'PaymentCreated', jsonb_build_object('order_ref', n.order_ref, 'amount', n.amount, 'status', n.status)
    FROM new_rows AS n;
    RETURN NULL;
END $$;

CREATE FUNCTION outbox_from_status_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outbox (aggregate_id, event_type, payload)
    SELECT n.id, 'PaymentStatusChanged', jsonb_build_object('from', o.status, 'to', n.status)
    FROM new_rows AS n JOIN old_rows AS o USING (id)
    WHERE o.status IS DISTINCT FROM n.status;
    RETURN NULL;
END $$;

CREATE TRIGGER payments_created AFTER INSERT ON payments
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION outbox_from_new_payments();

CREATE TRIGGER payments_status AFTER UPDATE ON payments
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION outbox_from_status_changes();
