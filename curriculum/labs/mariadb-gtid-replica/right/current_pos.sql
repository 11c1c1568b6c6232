-- @primary
CREATE USER 'repl'@'127.0.0.1' IDENTIFIED BY 'cur-pos-pw';
GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1';

-- @replica
-- The restore did not write to the replica's own binary log, so current_pos is the
-- position set here too.
SELECT @@gtid_binlog_pos, @@gtid_current_pos;
SELECT gtid_pos INTO @backup_gtid FROM provision.backup_position;
SET GLOBAL gtid_slave_pos = @backup_gtid;
CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=3306, MASTER_USER='repl',
  MASTER_PASSWORD='cur-pos-pw', MASTER_USE_GTID=current_pos;
START SLAVE;
