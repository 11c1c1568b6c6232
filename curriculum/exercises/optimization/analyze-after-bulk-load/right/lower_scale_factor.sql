INSERT INTO tickets SELECT * FROM tickets_import;
ANALYZE tickets;
-- and let autovacuum catch up sooner next time
ALTER TABLE tickets SET (autovacuum_analyze_scale_factor = 0.02, autovacuum_analyze_threshold = 1000);
