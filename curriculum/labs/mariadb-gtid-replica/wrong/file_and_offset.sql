-- @primary
CREATE USER 'repl'@'127.0.0.1' IDENTIFIED BY 'pw';
GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1';
-- @replica
-- classic coordinates: replicates, but not by GTID
SELECT binlog_file, binlog_pos INTO @f, @o FROM provision.backup_position;
CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD='pw',
  MASTER_LOG_FILE='primary-bin.000001', MASTER_LOG_POS=4, MASTER_USE_GTID=no;
START SLAVE;
