-- WHEN compares the whole row's balance through a row constructor; deletes in their own trigger.
CREATE FUNCTION audit_balance_change() RETURNS trigger AS $$
BEGIN
    INSERT INTO public.balance_audit AS a (account_id, old_balance, new_balance)
    SELECT OLD.account_id, OLD.balance, CASE TG_OP WHEN 'DELETE' THEN NULL ELSE NEW.balance END;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER on_balance_change AFTER UPDATE ON accounts
    FOR EACH ROW WHEN (ROW(OLD.balance) IS DISTINCT FROM ROW(NEW.balance))
    EXECUTE FUNCTION audit_balance_change();
CREATE TRIGGER on_account_delete AFTER DELETE ON accounts
    FOR EACH ROW EXECUTE FUNCTION audit_balance_change();
