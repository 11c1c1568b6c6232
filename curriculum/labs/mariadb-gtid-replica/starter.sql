-- @primary
-- Create the account the replica logs in with, and grant it what replication needs.


-- @replica
-- Position the replica where the dump was taken (see provision.backup_position),
-- point it at the primary (127.0.0.1, port 3306) by GTID, and start it.

