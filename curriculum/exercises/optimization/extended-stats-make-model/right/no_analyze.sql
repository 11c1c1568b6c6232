-- No explicit ANALYZE: the statistics object is filled by the next ANALYZE of the table.
CREATE STATISTICS IF NOT EXISTS mm_deps (dependencies) ON make, model FROM listings;
