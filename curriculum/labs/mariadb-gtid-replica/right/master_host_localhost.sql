-- @primary
CREATE USER 'repl'@'%' IDENTIFIED BY 'pw';
GRANT REPLICATION SLAVE ON *.* TO 'repl'@'%';
-- @replica
SELECT gtid_pos INTO @p FROM provision.backup_position;
SET GLOBAL gtid_slave_pos = @p;
-- the replica connects over TCP; localhost resolves to 127.0.0.1 on this host
CHANGE MASTER TO MASTER_HOST='localhost', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD='pw',
  MASTER_USE_GTID=slave_pos;
START SLAVE;
