-- @setup
-- Anything that must exist before the purchases start (a stored procedure?).

-- @increment
-- One purchase: add @amount points to account @account.
UPDATE accounts SET points = points + @amount WHERE id = @account;

-- @lost_two_nodes
-- node2 and node3 are gone for good. What do you run on node1?
