CREATE INDEX sensor_readings_sensor_at ON sensor_readings (sensor_id, reading_at);
