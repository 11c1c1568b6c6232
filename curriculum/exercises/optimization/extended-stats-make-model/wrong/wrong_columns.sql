CREATE STATISTICS listings_make_year (dependencies) ON make, year FROM listings;
ANALYZE listings;
