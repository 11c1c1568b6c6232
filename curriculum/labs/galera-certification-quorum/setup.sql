-- The loyalty programme's balances. Account 1 is the summer campaign pool: every purchase in the
-- campaign credits it, from both data centres at once. Account 2 is the platform's canary.
CREATE TABLE accounts (
    id     INT UNSIGNED NOT NULL PRIMARY KEY,
    owner  VARCHAR(60)  NOT NULL,
    points BIGINT       NOT NULL DEFAULT 0
) ENGINE = InnoDB;

INSERT INTO accounts (id, owner, points) VALUES
    (1, 'summer campaign pool', 1000),
    (2, 'ops canary', 0);

INSERT INTO accounts (id, owner, points)
SELECT 2 + seq, CONCAT('member ', seq), (seq * 37) % 500 FROM seq_1_to_48;
