-- @setup
-- No explicit transaction: the single UPDATE is its own transaction, retried on conflict.
DELIMITER //
CREATE PROCEDURE add_points(p_id INT, p_amount INT)
BEGIN
  DECLARE n INT DEFAULT 0;
  again: LOOP
    BEGIN
      DECLARE EXIT HANDLER FOR 1213
      BEGIN
        SET n = n + 1;
        IF n > 40 THEN RESIGNAL; END IF;
        DO SLEEP(RAND() / 500);
      END;
      UPDATE accounts SET points = points + p_amount WHERE id = p_id;
      LEAVE again;
    END;
  END LOOP again;
END//
DELIMITER ;
-- @increment
CALL add_points(@account, @amount);
-- @lost_two_nodes
SET GLOBAL wsrep_provider_options='pc.bootstrap=1';
