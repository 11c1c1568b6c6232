-- @setup
DELIMITER //
CREATE PROCEDURE add_points(IN p_account INT, IN p_amount INT)
BEGIN
  DECLARE tries INT DEFAULT 0;
  retry: LOOP
    BEGIN
      DECLARE EXIT HANDLER FOR 1213
      BEGIN
        ROLLBACK;
        SET tries = tries + 1;
        IF tries >= 2 THEN RESIGNAL; END IF;
      END;
      START TRANSACTION;
      UPDATE accounts SET points = points + p_amount WHERE id = p_account;
      COMMIT;
      LEAVE retry;
    END;
  END LOOP;
END//
DELIMITER ;
-- @increment
CALL add_points(@account, @amount);
-- @lost_two_nodes
SET GLOBAL wsrep_provider_options = 'pc.bootstrap=YES';
