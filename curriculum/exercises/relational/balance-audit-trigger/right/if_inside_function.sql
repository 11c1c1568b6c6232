-- No WHEN clause: the function itself decides whether anything changed.
CREATE OR REPLACE FUNCTION accounts_audit() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF NEW.balance IS DISTINCT FROM OLD.balance THEN
      INSERT INTO balance_audit (account_id, old_balance, new_balance)
      VALUES (OLD.account_id, OLD.balance, NEW.balance);
    END IF;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO balance_audit (account_id, old_balance, new_balance)
    VALUES (OLD.account_id, OLD.balance, NULL);
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER accounts_audit AFTER UPDATE OR DELETE ON accounts
FOR EACH ROW EXECUTE FUNCTION accounts_audit();
