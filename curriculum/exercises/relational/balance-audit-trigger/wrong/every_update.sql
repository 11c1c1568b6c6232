-- Logs every update, also those that leave the balance unchanged.
CREATE FUNCTION audit_balance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO balance_audit (account_id, old_balance, new_balance)
  VALUES (OLD.account_id, OLD.balance, CASE WHEN TG_OP = 'UPDATE' THEN NEW.balance END);
  RETURN NULL;
END $$;
CREATE TRIGGER audit_balance AFTER UPDATE OR DELETE ON accounts
FOR EACH ROW EXECUTE FUNCTION audit_balance();
