-- 30,000 orders of 1,500 customers (customer 777 has 20), spread over one year.
-- seq_1_to_30000 is MariaDB's SEQUENCE engine: a table of the numbers 1 to 30000.
CREATE TABLE orders (
    id          INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    customer_id INT UNSIGNED NOT NULL,
    status      VARCHAR(12)  NOT NULL,
    placed_at   DATETIME     NOT NULL,
    total_cents INT UNSIGNED NOT NULL,
    note        VARCHAR(200) NOT NULL DEFAULT ''
) ENGINE = InnoDB;

INSERT INTO orders (customer_id, status, placed_at, total_cents, note)
SELECT 1 + (seq * 7919) % 1500,
       ELT(1 + seq % 4, 'placed', 'shipped', 'delivered', 'returned'),
       TIMESTAMP '2024-01-01 00:00:00' + INTERVAL (seq * 37) % 525600 MINUTE,
       500 + (seq * 131) % 20000,
       REPEAT('x', seq % 50)
FROM seq_1_to_30000;
