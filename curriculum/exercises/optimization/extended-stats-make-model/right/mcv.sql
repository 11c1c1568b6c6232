CREATE STATISTICS listings_mm_mcv (mcv) ON make, model FROM listings;
ANALYZE listings;
