INSERT INTO tickets SELECT * FROM tickets_import;
-- every table of the database
ANALYZE;
