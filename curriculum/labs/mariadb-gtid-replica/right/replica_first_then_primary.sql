-- @replica
-- Position first; the replica is started only once its account exists.
SELECT gtid_pos INTO @pos FROM provision.backup_position;
SET GLOBAL gtid_slave_pos = @pos;

-- @primary
CREATE USER 'repl'@'127.0.0.1' IDENTIFIED BY 'ordered-steps';
GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1';

-- @replica
CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=3306, MASTER_USER='repl',
  MASTER_PASSWORD='ordered-steps', MASTER_USE_GTID=slave_pos;
START SLAVE;
SELECT MASTER_GTID_WAIT((SELECT gtid_pos FROM provision.backup_position), 5);
