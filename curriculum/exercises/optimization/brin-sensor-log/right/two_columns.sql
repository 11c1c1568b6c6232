CREATE INDEX readings_at_sensor_brin ON sensor_readings USING brin (reading_at, sensor_id);
