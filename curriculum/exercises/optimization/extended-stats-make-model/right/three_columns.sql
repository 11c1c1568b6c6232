CREATE STATISTICS car_stats (dependencies) ON make, model, year FROM listings;
ANALYZE listings;
