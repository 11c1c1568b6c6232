-- @primary
CREATE USER 'repl'@'127.0.0.1' IDENTIFIED BY 'pw';
GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1';
-- @replica
-- forgot the dump's position: the replica asks for the whole binary log
CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD='pw',
  MASTER_USE_GTID=slave_pos;
START SLAVE;
