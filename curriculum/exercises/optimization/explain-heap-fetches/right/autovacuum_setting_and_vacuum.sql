-- Vacuum now, and let autovacuum visit insert-only growth sooner from now on.
VACUUM orders;
ALTER TABLE orders SET (autovacuum_vacuum_insert_scale_factor = 0.05);
