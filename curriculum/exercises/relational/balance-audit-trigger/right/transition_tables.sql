-- Statement-level triggers: one INSERT ... SELECT per statement over the transition tables.
CREATE FUNCTION audit_updates() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO balance_audit (account_id, old_balance, new_balance)
  SELECT o.account_id, o.balance, n.balance
  FROM old_rows o JOIN new_rows n ON n.account_id = o.account_id
  WHERE o.balance IS DISTINCT FROM n.balance
  ORDER BY o.account_id;
  RETURN NULL;
END $$;

CREATE FUNCTION audit_deletes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO balance_audit (account_id, old_balance, new_balance)
  SELECT account_id, balance, NULL FROM old_rows ORDER BY account_id;
  RETURN NULL;
END $$;

CREATE TRIGGER accounts_upd_audit AFTER UPDATE ON accounts
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION audit_updates();

CREATE TRIGGER accounts_del_audit AFTER DELETE ON accounts
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION audit_deletes();
