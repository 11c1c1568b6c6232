-- A reusable function: the audit table's name comes from the trigger's argument.
CREATE FUNCTION generic_audit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_new numeric;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF OLD.balance = NEW.balance THEN RETURN NULL; END IF;
    v_new := NEW.balance;
  END IF;
  EXECUTE format('INSERT INTO %I (account_id, old_balance, new_balance) VALUES ($1, $2, $3)', TG_ARGV[0])
  USING OLD.account_id, OLD.balance, v_new;
  RETURN NULL;
END $$;

CREATE TRIGGER audit_it AFTER UPDATE OR DELETE ON accounts
FOR EACH ROW EXECUTE FUNCTION generic_audit('balance_audit');
