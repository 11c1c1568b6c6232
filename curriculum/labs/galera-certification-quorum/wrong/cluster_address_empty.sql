-- @setup
DELIMITER //
CREATE PROCEDURE add_to_account(IN a INT, IN amt INT)
BEGIN
  DECLARE try_no INT DEFAULT 1;
  retry_loop: WHILE try_no <= 50 DO
    BEGIN
      -- 1213: certification lost (reported as a deadlock); 1205: a plain lock wait timeout
      DECLARE EXIT HANDLER FOR 1213, 1205
      BEGIN
        ROLLBACK;
        IF try_no >= 50 THEN
          RESIGNAL;
        END IF;
      END;
      START TRANSACTION;
      UPDATE accounts SET points = points + amt WHERE id = a;
      COMMIT;
      LEAVE retry_loop;
    END;
    SET try_no = try_no + 1;
    DO SLEEP(RAND() * try_no / 1000);
  END WHILE;
END//
DELIMITER ;

-- @increment
CALL add_to_account(@account, @amount);

-- @lost_two_nodes
-- reconnecting with an empty peer list does not bootstrap a running node: it stays Disconnected
SET GLOBAL wsrep_cluster_address = 'gcomm://';
