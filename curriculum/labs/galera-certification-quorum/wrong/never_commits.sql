-- @setup
-- @increment
START TRANSACTION;
UPDATE accounts SET points = points + @amount WHERE id = @account;
-- @lost_two_nodes
SET GLOBAL wsrep_provider_options = 'pc.bootstrap=YES';
