-- One trigger function for both events; TG_OP tells them apart (a DELETE has no NEW).
CREATE FUNCTION audit_balance() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    INSERT INTO balance_audit (account_id, old_balance, new_balance)
    VALUES (OLD.account_id, OLD.balance, NULL);
  ELSE
    INSERT INTO balance_audit (account_id, old_balance, new_balance)
    VALUES (NEW.account_id, OLD.balance, NEW.balance);
  END IF;
  RETURN NULL;  -- ignored for an AFTER trigger
END
$$;

-- Updates only when the balance really changed; every delete.
CREATE TRIGGER accounts_balance_audit
AFTER UPDATE OF balance ON accounts
FOR EACH ROW
WHEN (OLD.balance IS DISTINCT FROM NEW.balance)
EXECUTE FUNCTION audit_balance();

CREATE TRIGGER accounts_delete_audit
AFTER DELETE ON accounts
FOR EACH ROW
EXECUTE FUNCTION audit_balance();
