SELECT tenant_id, date_trunc('week', created_at) AS week,
       count(*) FILTER (WHERE solved_at > created_at + interval '24 hours') AS breaches
FROM tickets WHERE created_at > now() - interval '7 days'
GROUP BY tenant_id, week;
