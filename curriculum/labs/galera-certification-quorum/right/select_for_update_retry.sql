-- @setup
-- Locks the row before changing it; certification can still roll it back, so retry.
DELIMITER //
CREATE PROCEDURE credit_locked(IN p_account INT, IN p_amount INT)
BEGIN
  DECLARE tries INT DEFAULT 0;
  DECLARE current_points BIGINT;
  retry: LOOP
    BEGIN
      DECLARE EXIT HANDLER FOR 1213
      BEGIN
        ROLLBACK;
        SET tries = tries + 1;
        IF tries >= 50 THEN RESIGNAL; END IF;
        DO SLEEP(0.001 * tries);
      END;
      START TRANSACTION;
      SELECT points INTO current_points FROM accounts WHERE id = p_account FOR UPDATE;
      UPDATE accounts SET points = current_points + p_amount WHERE id = p_account;
      COMMIT;
      LEAVE retry;
    END;
  END LOOP;
END//
DELIMITER ;
-- @increment
CALL credit_locked(@account, @amount);
-- @lost_two_nodes
SET GLOBAL wsrep_provider_options = 'pc.bootstrap = YES';
