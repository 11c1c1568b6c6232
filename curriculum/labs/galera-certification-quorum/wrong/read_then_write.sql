-- @setup
DELIMITER //
CREATE PROCEDURE add_points(IN p_account INT, IN p_amount INT)
BEGIN
  DECLARE tries INT DEFAULT 0;
  DECLARE v BIGINT;
  retry: LOOP
    BEGIN
      DECLARE EXIT HANDLER FOR 1213
      BEGIN
        ROLLBACK;
        SET tries = tries + 1;
        IF tries >= 50 THEN RESIGNAL; END IF;
      END;
      -- reads without a lock, writes back later: another session's credit in between is overwritten
      SELECT points INTO v FROM accounts WHERE id = p_account;
      DO SLEEP(0.002);
      UPDATE accounts SET points = v + p_amount WHERE id = p_account;
      LEAVE retry;
    END;
  END LOOP;
END//
DELIMITER ;
-- @increment
CALL add_points(@account, @amount);
-- @lost_two_nodes
SET GLOBAL wsrep_provider_options = 'pc.bootstrap=YES';
