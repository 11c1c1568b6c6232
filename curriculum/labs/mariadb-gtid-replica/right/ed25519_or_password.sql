-- @primary
CREATE USER 'repl'@'127.0.0.1' IDENTIFIED VIA mysql_native_password USING PASSWORD('native-pw');
GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1';

-- @replica
SET @@GLOBAL.gtid_slave_pos = (SELECT gtid_pos FROM provision.backup_position);
CHANGE MASTER TO
  MASTER_HOST = '127.0.0.1',
  MASTER_PORT = 3306,
  MASTER_USER = 'repl',
  MASTER_PASSWORD = 'native-pw',
  MASTER_USE_GTID = slave_pos;
START SLAVE;
