-- Write the trigger function and the trigger that fill `outbox` for every new payment and
-- every status change of a payment (see the README for the rows expected).
CREATE FUNCTION payments_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- TG_OP is 'INSERT' or 'UPDATE'; NEW is the new row, OLD the old one (updates only)
    RETURN NULL;
END $$;
