-- LATERAL picks the newest snapshot; a second LATERAL folds the later events.
SELECT w.wallet_id,
       coalesce(s.balance, 0) + t.delta AS balance,
       coalesce(t.last_version, s.version) AS version,
       coalesce(s.closed, false) OR t.closed_later AS closed
FROM (SELECT wallet_id FROM wallet_events UNION SELECT wallet_id FROM wallet_snapshots) AS w
LEFT JOIN LATERAL (
    SELECT version, balance, closed FROM wallet_snapshots AS ws
    WHERE ws.wallet_id = w.wallet_id
    ORDER BY version DESC
    LIMIT 1
) AS s ON true
CROSS JOIN LATERAL (
    SELECT coalesce(sum(CASE WHEN e.event_type = 'Deposited' THEN e.amount
                             WHEN e.event_type = 'Withdrawn' THEN -e.amount
                             ELSE 0 END), 0) AS delta,
           max(e.version) AS last_version,
           coalesce(bool_or(e.event_type = 'Closed'), false) AS closed_later
    FROM wallet_events AS e
    WHERE e.wallet_id = w.wallet_id AND e.version > coalesce(s.version, 0)
) AS t
ORDER BY w.wallet_id;
