EXPLAIN (ANALYZE, BUFFERS)
SELECT sensor_id, count(*) AS readings, avg(value) AS mean_value
FROM sensor_readings
WHERE reading_at >= '2024-02-10 14:00+00' AND reading_at < '2024-02-10 15:00+00'
GROUP BY sensor_id
ORDER BY sensor_id;
