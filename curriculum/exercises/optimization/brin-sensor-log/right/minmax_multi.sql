CREATE INDEX readings_at_multi ON sensor_readings USING brin (reading_at timestamptz_minmax_multi_ops);
