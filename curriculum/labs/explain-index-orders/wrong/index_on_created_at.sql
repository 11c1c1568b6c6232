-- "The query sorts by created_at, so index created_at." Postgres walks the whole shop's
-- orders newest first and checks customer and status row by row: ~30,000 rows read and
-- discarded for every 20 shown.
CREATE INDEX orders_created_at_idx ON orders (created_at);
