-- The INSERT lives in a plain SQL function; the trigger function only calls it.
CREATE FUNCTION record_balance(p_account integer, p_old numeric, p_new numeric) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO balance_audit (account_id, old_balance, new_balance) VALUES (p_account, p_old, p_new)
$$;

CREATE FUNCTION on_accounts_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  CASE TG_OP
    WHEN 'DELETE' THEN PERFORM record_balance(OLD.account_id, OLD.balance, NULL);
    WHEN 'UPDATE' THEN
      IF OLD.balance IS DISTINCT FROM NEW.balance THEN
        PERFORM record_balance(OLD.account_id, OLD.balance, NEW.balance);
      END IF;
  END CASE;
  RETURN NULL;
END $$;

CREATE TRIGGER on_accounts_change AFTER UPDATE OR DELETE ON accounts
FOR EACH ROW EXECUTE FUNCTION on_accounts_change();
