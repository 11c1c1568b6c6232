-- @primary
-- The replica logs in over TCP from 127.0.0.1 (the servers share one host), so the account is
-- for that host. REPLICATION SLAVE lets it read the binary log and nothing else.
CREATE USER 'repl'@'127.0.0.1' IDENTIFIED BY 'Rep1ica-only!';
GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1';

-- @replica
-- The dump was taken at a GTID; the primary has written more since. Start exactly there:
-- the primary's current position would skip those writes, an empty one would replay the dump.
STOP SLAVE;
SELECT gtid_pos INTO @dump_gtid FROM provision.backup_position;
SET GLOBAL gtid_slave_pos = @dump_gtid;
-- slave_pos: the position the replica has applied, kept in mysql.gtid_slave_pos in the same
-- transaction as each change, so it survives a crash and means the same on any primary.
CHANGE MASTER TO
    MASTER_HOST = '127.0.0.1',
    MASTER_PORT = 3306,
    MASTER_USER = 'repl',
    MASTER_PASSWORD = 'Rep1ica-only!',
    MASTER_CONNECT_RETRY = 1,
    MASTER_USE_GTID = slave_pos;
START SLAVE;
-- Prove it: wait (at most 5 s) until the replica applied everything up to the dump, then look.
SELECT MASTER_GTID_WAIT(@dump_gtid, 5);
SHOW SLAVE STATUS;
