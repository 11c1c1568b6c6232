-- A delete is logged with the old balance in both columns instead of NULL as the new one.
CREATE FUNCTION audit_balance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO balance_audit (account_id, old_balance, new_balance)
  VALUES (OLD.account_id, OLD.balance, coalesce(NEW.balance, OLD.balance));
  RETURN NULL;
END $$;
CREATE TRIGGER audit_upd AFTER UPDATE ON accounts
FOR EACH ROW WHEN (OLD.balance IS DISTINCT FROM NEW.balance) EXECUTE FUNCTION audit_balance();
CREATE TRIGGER audit_del AFTER DELETE ON accounts
FOR EACH ROW EXECUTE FUNCTION audit_balance();
