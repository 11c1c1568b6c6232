CREATE INDEX sensor_readings_sensor_brin ON sensor_readings USING brin (sensor_id);
