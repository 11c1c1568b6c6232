-- One small function per event.
CREATE FUNCTION log_balance_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO balance_audit (account_id, old_balance, new_balance)
  VALUES (OLD.account_id, OLD.balance, NEW.balance);
  RETURN NEW;
END $$;

CREATE FUNCTION log_account_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO balance_audit (account_id, old_balance) VALUES (OLD.account_id, OLD.balance);
  RETURN OLD;
END $$;

CREATE TRIGGER a_upd AFTER UPDATE ON accounts
FOR EACH ROW WHEN (OLD.balance <> NEW.balance)
EXECUTE FUNCTION log_balance_update();

CREATE TRIGGER a_del AFTER DELETE ON accounts
FOR EACH ROW EXECUTE FUNCTION log_account_delete();
