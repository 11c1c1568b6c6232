CREATE STATISTICS listings_make_model ON make, model FROM listings;
ANALYZE listings;
