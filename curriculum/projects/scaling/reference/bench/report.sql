-- Weekly SLA report, written so postgres_fdw can ship it: bounds as constants (now() and
-- timestamptz + interval are only STABLE and stay on the coordinator), the breach test as a
-- difference of two timestamps (immutable). With enable_partitionwise_aggregate on, each shard
-- runs the GROUP BY itself (Remote SQL ends in GROUP BY 1).
SELECT tenant_id, count(*) AS tickets,
       count(*) FILTER (WHERE solved_at IS NULL OR solved_at - created_at > interval '24 hours') AS breaches
FROM tickets
WHERE created_at >= '2026-11-30 00:00+00' AND created_at < '2026-12-07 00:00+00'
GROUP BY tenant_id;
