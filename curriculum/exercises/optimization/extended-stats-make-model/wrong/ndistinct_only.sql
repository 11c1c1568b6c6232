CREATE STATISTICS listings_nd (ndistinct) ON make, model FROM listings;
ANALYZE listings;
