-- Fernhill Outdoor's shop database on the primary the backups are taken from.
CREATE TABLE customers (
    id         int PRIMARY KEY,
    email      text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO customers (id, email) SELECT g, 'customer' || g || '@example.com' FROM generate_series(1, 400) g;

CREATE TABLE orders (
    id          int PRIMARY KEY,
    customer_id int NOT NULL REFERENCES customers,
    status      text NOT NULL CHECK (status IN ('pending', 'paid', 'shipped', 'cancelled')),
    total       numeric(10, 2) NOT NULL,
    placed_at   timestamptz NOT NULL DEFAULT now()
);
INSERT INTO orders (id, customer_id, status, total)
SELECT g, 1 + (g * 7919) % 400, CASE WHEN g <= 2500 THEN 'shipped' ELSE 'paid' END, 5 + (g % 97) * 1.5
FROM generate_series(1, 3000) g;
