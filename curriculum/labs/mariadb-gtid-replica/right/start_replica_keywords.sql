-- @primary
CREATE USER replica_reader@'127.0.0.1' IDENTIFIED BY 'pw-for-replica';
GRANT REPLICATION REPLICA ON *.* TO replica_reader@'127.0.0.1';

-- @replica
STOP REPLICA;
RESET REPLICA ALL;
SELECT gtid_pos INTO @from_dump FROM provision.backup_position;
SET GLOBAL gtid_slave_pos = @from_dump;
CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = 3306,
  MASTER_USER = 'replica_reader', MASTER_PASSWORD = 'pw-for-replica',
  MASTER_USE_GTID = slave_pos, MASTER_HEARTBEAT_PERIOD = 1;
START REPLICA;
SELECT MASTER_GTID_WAIT(@from_dump, 3) AS caught_up;
SHOW REPLICA STATUS;
