CREATE INDEX ON sensor_readings USING brin (reading_at) WITH (pages_per_range = 32);
