-- The index already covers the query; the visibility map is what is missing.
VACUUM orders;
