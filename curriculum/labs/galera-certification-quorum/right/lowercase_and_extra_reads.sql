-- @SETUP
delimiter //
create procedure bump(in who int, in how_much int)
begin
  declare i int default 0;
  l: loop
    begin
      declare exit handler for 1213
      begin
        rollback;
        set i = i + 1;
        if i = 50 then resignal; end if;
        do sleep(rand() * 0.003);
      end;
      start transaction;
      update accounts set points = points + how_much where id = who;
      commit;
      leave l;
    end;
  end loop l;
end //
delimiter ;
-- @Increment
call bump(@account, @amount);
select points from accounts where id = @account;
-- @lost_two_nodes
show status like 'wsrep_cluster%';
show status like 'wsrep_local_state_comment';
set global wsrep_provider_options = 'pc.bootstrap=yes';
