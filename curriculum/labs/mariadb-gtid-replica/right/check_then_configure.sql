-- @primary
-- look first: what has the primary written so far?
SELECT @@gtid_binlog_pos;
SHOW MASTER STATUS;
CREATE USER IF NOT EXISTS 'rpl'@'127.0.0.1' IDENTIFIED BY 'x9-Qw!rpl';
GRANT REPLICATION SLAVE ON *.* TO 'rpl'@'127.0.0.1';

-- @replica
SELECT * FROM provision.backup_position;
SELECT COUNT(*) FROM shop.orders;
SELECT gtid_pos INTO @p FROM provision.backup_position;
SET GLOBAL gtid_slave_pos = @p;
CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=3306, MASTER_USER='rpl', MASTER_PASSWORD='x9-Qw!rpl',
  MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=2;
START SLAVE;
DO SLEEP(1);
SHOW SLAVE STATUS;
SELECT COUNT(*) FROM shop.heartbeat;
