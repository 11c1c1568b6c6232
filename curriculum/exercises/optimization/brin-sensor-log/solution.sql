-- The log is in time order, so a BRIN index (min/max of reading_at per 128 pages) is enough:
-- it is a few dozen kilobytes where a B-tree would take megabytes.
CREATE INDEX sensor_readings_at_brin ON sensor_readings USING brin (reading_at);
