-- Treat the latest snapshot as a starting event, then sum one stream of deltas.
WITH latest AS (
    SELECT s.* FROM wallet_snapshots AS s
    WHERE NOT EXISTS (SELECT 1 FROM wallet_snapshots AS newer
                      WHERE newer.wallet_id = s.wallet_id AND newer.version > s.version)
),
deltas AS (
    SELECT wallet_id, version, balance AS delta, closed FROM latest
    UNION ALL
    SELECT e.wallet_id, e.version,
           CASE e.event_type WHEN 'Deposited' THEN e.amount WHEN 'Withdrawn' THEN -e.amount ELSE 0 END,
           e.event_type = 'Closed'
    FROM wallet_events AS e
    WHERE e.version > coalesce((SELECT l.version FROM latest AS l WHERE l.wallet_id = e.wallet_id), 0)
)
SELECT wallet_id, sum(delta) AS balance, max(version) AS version, bool_or(closed) AS closed
FROM deltas
GROUP BY wallet_id
ORDER BY wallet_id;
