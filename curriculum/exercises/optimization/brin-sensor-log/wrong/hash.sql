CREATE INDEX sensor_readings_at_hash ON sensor_readings USING hash (reading_at);
