-- A BEFORE trigger works too, as long as it returns the row (NEW for an update, OLD for a delete).
create function trail() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    insert into balance_audit (account_id, old_balance, new_balance) values (old.account_id, old.balance, null);
    return old;
  end if;
  if new.balance is distinct from old.balance then
    insert into balance_audit (account_id, old_balance, new_balance) values (old.account_id, old.balance, new.balance);
  end if;
  return new;
end $$;

create trigger trail before update or delete on accounts
for each row execute procedure trail();
