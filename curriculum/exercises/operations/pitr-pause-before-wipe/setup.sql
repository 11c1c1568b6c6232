-- Kestrel Credit Union's ledger as it was when last night's base backup was taken.
CREATE TABLE accounts (
    id      int PRIMARY KEY,
    owner   text NOT NULL,
    balance numeric(12, 2) NOT NULL
);
INSERT INTO accounts SELECT g, 'member ' || g, 100 + (g * 7919) % 9000 FROM generate_series(1, 400) g;

CREATE TABLE transfers (
    id         int PRIMARY KEY,
    from_id    int NOT NULL REFERENCES accounts,
    to_id      int NOT NULL REFERENCES accounts,
    amount     numeric(12, 2) NOT NULL CHECK (amount > 0),
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO transfers (id, from_id, to_id, amount)
SELECT g, 1 + g % 400, 1 + (g * 31) % 400, 5 + g % 70 FROM generate_series(1, 2000) g;
