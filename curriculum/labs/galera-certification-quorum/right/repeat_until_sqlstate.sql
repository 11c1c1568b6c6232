-- @setup
DELIMITER ;;
CREATE PROCEDURE purchase_credit(IN in_account INT, IN in_amount INT)
BEGIN
  DECLARE done INT DEFAULT 0;
  DECLARE tries INT DEFAULT 0;
  REPEAT
    BEGIN
      -- SQLSTATE 40001: serialization failure, which is what a lost certification reports
      DECLARE EXIT HANDLER FOR SQLSTATE '40001'
      BEGIN
        ROLLBACK;
        SET tries = tries + 1;
        IF tries >= 50 THEN RESIGNAL; END IF;
        DO SLEEP(tries / 1000);
      END;
      START TRANSACTION;
      UPDATE accounts SET points = points + in_amount WHERE id = in_account;
      COMMIT;
      SET done = 1;
    END;
  UNTIL done = 1 END REPEAT;
END;;
DELIMITER ;
-- @increment
CALL purchase_credit(@account, @amount);
-- @lost_two_nodes
SHOW STATUS LIKE 'wsrep_cluster_size';
SET GLOBAL wsrep_provider_options = 'pc.bootstrap=true';
SHOW STATUS LIKE 'wsrep_cluster_status';
