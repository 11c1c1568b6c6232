CREATE FUNCTION audit_balance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO balance_audit (account_id, old_balance, new_balance) VALUES (OLD.account_id, OLD.balance, NEW.balance);
  RETURN NULL;
END $$;
CREATE TRIGGER audit_balance AFTER UPDATE OF balance ON accounts
FOR EACH ROW WHEN (OLD.balance IS DISTINCT FROM NEW.balance)
EXECUTE FUNCTION audit_balance();
