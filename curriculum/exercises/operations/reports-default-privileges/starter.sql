-- Existing tables, future tables, and the schema itself: what does bi_reader need?
GRANT SELECT ON reports.headcount TO bi_reader;
