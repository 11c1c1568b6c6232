-- Try the B-tree, see its size, replace it.
CREATE INDEX readings_at_btree ON sensor_readings (reading_at);
SELECT pg_relation_size('readings_at_btree') / 1024 AS btree_kb;
DROP INDEX readings_at_btree;
CREATE INDEX readings_at_brin ON sensor_readings USING brin (reading_at) WITH (pages_per_range = 64);
