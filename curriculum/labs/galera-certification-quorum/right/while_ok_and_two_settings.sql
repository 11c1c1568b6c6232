-- @setup
delimiter $$
create procedure add_points_retry(account_id int, delta int)
begin
  declare attempt int default 0;
  declare ok bool default false;
  while not ok do
    begin
      declare exit handler for 1213
      begin
        rollback;
        set attempt = attempt + 1;
        if attempt >= 75 then
          resignal;
        end if;
      end;
      start transaction;
      update accounts set points = points + delta where id = account_id;
      commit;
      set ok = true;
    end;
  end while;
end$$
delimiter ;
-- @increment
call add_points_retry(@account, @amount);
-- @lost_two_nodes
set global wsrep_provider_options = 'pc.ignore_sb=false; pc.bootstrap=YES';
set global wsrep_reject_queries = NONE;
