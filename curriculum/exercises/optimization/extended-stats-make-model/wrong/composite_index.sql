CREATE INDEX listings_make_model_idx ON listings (make, model);
ANALYZE listings;
