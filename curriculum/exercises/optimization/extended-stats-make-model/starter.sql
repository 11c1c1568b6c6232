EXPLAIN ANALYZE SELECT id, price_eur FROM listings WHERE make = 'Toyota' AND model = 'Corolla';
