-- Write the trigger function, then the trigger(s) that call it.
CREATE FUNCTION audit_balance() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  -- INSERT INTO balance_audit (account_id, old_balance, new_balance) VALUES (...);
  RETURN NULL;
END
$$;

-- CREATE TRIGGER ... ON accounts FOR EACH ROW EXECUTE FUNCTION audit_balance();
