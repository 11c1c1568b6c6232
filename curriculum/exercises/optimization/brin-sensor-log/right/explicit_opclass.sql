CREATE INDEX readings_brin ON sensor_readings USING brin (reading_at timestamptz_minmax_ops);
