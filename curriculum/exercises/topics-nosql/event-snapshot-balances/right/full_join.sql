-- FULL JOIN of the latest snapshots with the per-wallet tails.
WITH s AS (
    SELECT wallet_id, version, balance, closed
    FROM wallet_snapshots
    WHERE (wallet_id, version) IN (SELECT wallet_id, max(version) FROM wallet_snapshots GROUP BY wallet_id)
),
t AS (
    SELECT e.wallet_id,
           sum(CASE WHEN e.event_type = 'Deposited' THEN e.amount
                    WHEN e.event_type = 'Withdrawn' THEN -e.amount ELSE 0 END) AS delta,
           max(e.version) AS version,
           bool_or(e.event_type = 'Closed') AS closed
    FROM wallet_events AS e
    LEFT JOIN s ON s.wallet_id = e.wallet_id
    WHERE s.version IS NULL OR e.version > s.version
    GROUP BY e.wallet_id
),
known AS (SELECT wallet_id FROM wallet_events UNION SELECT wallet_id FROM wallet_snapshots)
SELECT k.wallet_id,
       coalesce(s.balance, 0) + coalesce(t.delta, 0) AS balance,
       coalesce(t.version, s.version) AS version,
       coalesce(t.closed, false) OR coalesce(s.closed, false) AS closed
FROM known AS k
LEFT JOIN s ON s.wallet_id = k.wallet_id
LEFT JOIN t ON t.wallet_id = k.wallet_id
ORDER BY 1;
