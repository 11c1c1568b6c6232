-- FILTER instead of CASE, and the snapshot's version as a join bound.
WITH snap AS (
    SELECT DISTINCT ON (wallet_id) wallet_id, version AS snap_version, balance AS snap_balance, closed AS snap_closed
    FROM wallet_snapshots
    ORDER BY wallet_id, version DESC
),
every_wallet AS (
    SELECT wallet_id FROM wallet_snapshots
    UNION
    SELECT wallet_id FROM wallet_events
)
SELECT a.wallet_id,
       coalesce(max(s.snap_balance), 0)
         + coalesce(sum(e.amount) FILTER (WHERE e.event_type = 'Deposited'), 0)
         - coalesce(sum(e.amount) FILTER (WHERE e.event_type = 'Withdrawn'), 0) AS balance,
       coalesce(max(e.version), max(s.snap_version)) AS version,
       coalesce(bool_or(s.snap_closed), false) OR count(*) FILTER (WHERE e.event_type = 'Closed') > 0 AS closed
FROM every_wallet AS a
LEFT JOIN snap AS s USING (wallet_id)
LEFT JOIN wallet_events AS e
       ON e.wallet_id = a.wallet_id AND (s.snap_version IS NULL OR e.version > s.snap_version)
GROUP BY a.wallet_id
ORDER BY a.wallet_id;
