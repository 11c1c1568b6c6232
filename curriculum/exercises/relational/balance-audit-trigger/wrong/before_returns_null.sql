-- A BEFORE trigger that returns NULL: the change is logged, then silently skipped.
CREATE FUNCTION audit_balance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    INSERT INTO balance_audit (account_id, old_balance, new_balance) VALUES (OLD.account_id, OLD.balance, NULL);
  ELSIF NEW.balance IS DISTINCT FROM OLD.balance THEN
    INSERT INTO balance_audit (account_id, old_balance, new_balance) VALUES (OLD.account_id, OLD.balance, NEW.balance);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER audit_balance BEFORE UPDATE OR DELETE ON accounts
FOR EACH ROW EXECUTE FUNCTION audit_balance();
