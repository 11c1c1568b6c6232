CREATE STATISTICS listings_mm (dependencies, mcv) ON make, model FROM listings;
VACUUM ANALYZE listings;
