-- The shop's primary: customers and their orders (the platform adds its heartbeat table).
CREATE TABLE customers (
    id      INT UNSIGNED NOT NULL PRIMARY KEY,
    name    VARCHAR(60)  NOT NULL,
    country CHAR(2)      NOT NULL
) ENGINE = InnoDB;

CREATE TABLE orders (
    id          INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    customer_id INT UNSIGNED NOT NULL,
    total_cents INT UNSIGNED NOT NULL,
    placed_at   DATETIME     NOT NULL,
    CONSTRAINT orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
) ENGINE = InnoDB;

INSERT INTO customers (id, name, country)
SELECT seq, CONCAT('customer ', seq), ELT(1 + seq % 4, 'DE', 'FR', 'NL', 'PL')
FROM seq_1_to_40;

INSERT INTO orders (customer_id, total_cents, placed_at)
SELECT 1 + seq % 40, 500 + (seq * 7919) % 20000, '2026-03-01' + INTERVAL seq MINUTE
FROM seq_1_to_300;
