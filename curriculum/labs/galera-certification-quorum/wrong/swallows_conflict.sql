-- @setup
DELIMITER //
CREATE PROCEDURE add_points(IN p_account INT, IN p_amount INT)
BEGIN
  -- "handles" the conflict by ignoring it: the purchase reports success, the points are gone
  DECLARE CONTINUE HANDLER FOR 1213 ROLLBACK;
  START TRANSACTION;
  UPDATE accounts SET points = points + p_amount WHERE id = p_account;
  COMMIT;
END//
DELIMITER ;
-- @increment
CALL add_points(@account, @amount);
-- @lost_two_nodes
SET GLOBAL wsrep_provider_options = 'pc.bootstrap=YES';
