CREATE INDEX sensor_readings_at_idx ON sensor_readings (reading_at);
