-- Runs in the database shop as the platform's superuser, after it created the roles app
-- (owner of shop) and reporter. The app updates balances; the reports job only reads them.
CREATE TABLE accounts (
    id      integer PRIMARY KEY,
    branch  integer NOT NULL,
    balance bigint  NOT NULL DEFAULT 0
);
INSERT INTO accounts (id, branch) SELECT g, g % 10 FROM generate_series(1, 10000) AS g;
CREATE INDEX accounts_branch ON accounts (branch);
ALTER TABLE accounts OWNER TO app;
GRANT SELECT ON accounts TO reporter;
ANALYZE accounts;
