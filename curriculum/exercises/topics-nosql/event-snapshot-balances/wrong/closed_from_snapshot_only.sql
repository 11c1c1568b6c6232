-- Reads closed from the snapshot alone, missing a Closed event that came later.
WITH latest AS (
    SELECT DISTINCT ON (wallet_id) wallet_id, version, balance, closed
    FROM wallet_snapshots ORDER BY wallet_id, version DESC
),
ids AS (SELECT wallet_id FROM wallet_events UNION SELECT wallet_id FROM wallet_snapshots)
SELECT i.wallet_id,
       coalesce(s.balance, 0) + coalesce(sum(CASE e.event_type WHEN 'Deposited' THEN e.amount WHEN 'Withdrawn' THEN -e.amount END), 0) AS balance,
       greatest(coalesce(s.version, 0), coalesce(max(e.version), 0)) AS version,
       coalesce(s.closed, false) AS closed
FROM ids AS i
LEFT JOIN latest AS s ON s.wallet_id = i.wallet_id
LEFT JOIN wallet_events AS e ON e.wallet_id = i.wallet_id AND e.version > coalesce(s.version, 0)
GROUP BY i.wallet_id, s.balance, s.version, s.closed
ORDER BY i.wallet_id;
