ANALYZE listings;
