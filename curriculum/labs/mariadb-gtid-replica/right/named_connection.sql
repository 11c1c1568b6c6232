-- @primary
CREATE USER 'replicator'@'%' IDENTIFIED BY 'a-long-secret-4-replication';
GRANT REPLICATION SLAVE ON *.* TO 'replicator'@'%';

-- @replica
-- A named replication connection (multi-source style); the GTID position is shared.
SET @pos = (SELECT gtid_pos FROM provision.backup_position LIMIT 1);
SET GLOBAL gtid_slave_pos = @pos;
CHANGE MASTER 'shop_primary' TO
  MASTER_HOST='127.0.0.1', MASTER_PORT=3306,
  MASTER_USER='replicator', MASTER_PASSWORD='a-long-secret-4-replication',
  MASTER_USE_GTID=slave_pos;
START SLAVE 'shop_primary';
