EXPLAIN ANALYZE SELECT id, price_eur FROM listings WHERE make = 'Toyota' AND model = 'Corolla';
SELECT attname, n_distinct FROM pg_stats WHERE tablename = 'listings';
CREATE STATISTICS s1 (dependencies) ON make, model FROM listings;
ANALYZE listings;
SELECT dependencies FROM pg_stats_ext WHERE tablename = 'listings';
EXPLAIN ANALYZE SELECT id, price_eur FROM listings WHERE make = 'Toyota' AND model = 'Corolla';
