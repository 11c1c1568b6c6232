CREATE INDEX readings_at_partial ON sensor_readings (reading_at) WHERE reading_at >= '2024-02-01';
