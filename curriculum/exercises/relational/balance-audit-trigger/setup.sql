CREATE TABLE accounts (
    account_id integer PRIMARY KEY,
    owner      text NOT NULL,
    balance    numeric(12,2) NOT NULL
);
CREATE TABLE balance_audit (
    audit_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id  integer NOT NULL,
    old_balance numeric(12,2),
    new_balance numeric(12,2),          -- NULL when the account was deleted
    changed_by  text NOT NULL DEFAULT current_user,
    changed_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO accounts VALUES
 (1, 'Ana Silva',    100.00),
 (2, 'Bruno Keller', 250.50),
 (3, 'Chen Wei',      75.25),
 (4, 'Dora Marsh',     0.00),
 (5, 'Emeka Obi',     12.00),
 (6, 'Farah Haddad',  40.00),
 (7, 'Gus Lind',     999.99);
