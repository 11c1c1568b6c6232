-- Tell the planner that model determines make, then gather the statistics.
CREATE STATISTICS listings_make_model (dependencies) ON make, model FROM listings;
ANALYZE listings;
