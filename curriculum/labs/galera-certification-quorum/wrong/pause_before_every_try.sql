-- @setup
-- Galera checks a transaction against the other nodes only at COMMIT (certification). When
-- another node committed a change to the same row first, this one is rolled back and the
-- client gets error 1213, as for a deadlock. The fix is in the application: run the whole
-- transaction again. The procedure does that, with a short random pause that grows with each try.
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
        IF tries >= 50 THEN
          RESIGNAL;
        END IF;
        DO SLEEP(RAND() * 0.002 * tries);
      END;
      DO SLEEP(0.5);  -- a pause before every try, conflict or not
      START TRANSACTION;
      UPDATE accounts SET points = points + p_amount WHERE id = p_account;
      COMMIT;
      LEAVE retry;
    END;
  END LOOP;
END //
DELIMITER ;

-- @increment
CALL add_points(@account, @amount);

-- @lost_two_nodes
-- Alone, node1 holds 1 of 3 votes: no majority, so it is a non-primary component and refuses
-- reads and writes (a partitioned majority elsewhere could be taking writes: split brain).
-- The other two are known to be dead, so make node1 a primary component on its own.
SHOW STATUS LIKE 'wsrep_cluster_status';
SET GLOBAL wsrep_provider_options = 'pc.bootstrap=YES';
