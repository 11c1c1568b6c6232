--   @PRIMARY
create user 'r'@'%' identified by 'lower-case-all-the-way';
grant replication slave on *.* to 'r'@'%';
-- @Replica
stop slave;
select gtid_pos into @x from provision.backup_position;
set global gtid_slave_pos = @x;
change master to master_host='127.0.0.1', master_port=3306, master_user='r',
  master_password='lower-case-all-the-way', master_use_gtid=slave_pos;
start slave;
select master_gtid_wait(@x, 5);
