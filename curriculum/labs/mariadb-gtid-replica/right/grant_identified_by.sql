-- @primary
grant replication slave on *.* to repl@'127.0.0.1' identified by 'secret123';

-- @replica
select gtid_pos into @g from provision.backup_position;
set global gtid_slave_pos = @g;
change master to master_host='127.0.0.1', master_port=3306, master_user='repl',
  master_password='secret123', master_use_gtid=slave_pos;
start slave;
