-- @setup
DELIMITER $$
CREATE PROCEDURE credit(IN acct INT UNSIGNED, IN pts INT)
BEGIN
  DECLARE attempts INT DEFAULT 0;
  DECLARE conflict BOOL DEFAULT FALSE;
  DECLARE committed BOOL DEFAULT FALSE;
  DECLARE CONTINUE HANDLER FOR 1213 SET conflict = TRUE;
  WHILE NOT committed AND attempts < 60 DO
    SET conflict = FALSE;
    SET attempts = attempts + 1;
    START TRANSACTION;
    UPDATE accounts SET points = points + pts WHERE id = acct;
    IF NOT conflict THEN
      COMMIT;
    END IF;
    IF conflict THEN
      ROLLBACK;
      DO SLEEP(0.001 * attempts);
    ELSE
      SET committed = TRUE;
    END IF;
  END WHILE;
  IF NOT committed THEN
    SIGNAL SQLSTATE '40001' SET MESSAGE_TEXT = 'gave up after 60 certification conflicts';
  END IF;
END $$
DELIMITER ;

-- @increment
CALL credit(@account, @amount);

-- @lost_two_nodes
SET GLOBAL wsrep_provider_options = 'pc.bootstrap=YES';
SHOW STATUS LIKE 'wsrep_cluster_status';
