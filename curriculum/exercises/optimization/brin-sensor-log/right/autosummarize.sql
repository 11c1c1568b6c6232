CREATE INDEX readings_brin ON sensor_readings USING brin (reading_at) WITH (autosummarize = on);
