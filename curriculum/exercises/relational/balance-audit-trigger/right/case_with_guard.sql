-- One row-level trigger for both events; a DELETE has no NEW, hence the CASE on TG_OP.
CREATE FUNCTION write_trail() RETURNS trigger
LANGUAGE plpgsql
AS $fn$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.balance - OLD.balance = 0 THEN
    RETURN NULL;                       -- nothing to record
  END IF;
  INSERT INTO balance_audit (account_id, old_balance, new_balance)
  VALUES (OLD.account_id, OLD.balance, CASE WHEN TG_OP = 'UPDATE' THEN NEW.balance END);
  RETURN NULL;
END
$fn$;

CREATE TRIGGER write_trail
AFTER DELETE OR UPDATE OF balance ON accounts
FOR EACH ROW
EXECUTE FUNCTION write_trail();
