-- @setup
CREATE INDEX accounts_owner ON accounts (owner);
DELIMITER //
CREATE PROCEDURE credit_with_count(IN p_account INT, IN p_amount INT, OUT p_tries INT)
BEGIN
  SET p_tries = 0;
  retry: LOOP
    BEGIN
      DECLARE EXIT HANDLER FOR 1213
      BEGIN
        ROLLBACK;
        SET p_tries = p_tries + 1;
        IF p_tries >= 50 THEN RESIGNAL; END IF;
        DO SLEEP(p_tries * RAND() / 1000);
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
CALL credit_with_count(@account, @amount, @tries);
-- @lost_two_nodes
SELECT 'bootstrapping node1 after losing node2 and node3';
SET GLOBAL wsrep_provider_options = 'pc.bootstrap=ON';
