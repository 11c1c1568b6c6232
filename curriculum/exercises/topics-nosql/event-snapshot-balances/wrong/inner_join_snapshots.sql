-- An inner join with the snapshots drops wallets that have none yet.
WITH latest AS (
    SELECT DISTINCT ON (wallet_id) wallet_id, version, balance, closed
    FROM wallet_snapshots ORDER BY wallet_id, version DESC
)
SELECT s.wallet_id,
       s.balance + coalesce(sum(CASE e.event_type WHEN 'Deposited' THEN e.amount WHEN 'Withdrawn' THEN -e.amount END), 0) AS balance,
       greatest(s.version, coalesce(max(e.version), 0)) AS version,
       s.closed OR coalesce(bool_or(e.event_type = 'Closed'), false) AS closed
FROM latest AS s
LEFT JOIN wallet_events AS e ON e.wallet_id = s.wallet_id AND e.version > s.version
GROUP BY s.wallet_id, s.balance, s.version, s.closed
ORDER BY s.wallet_id;
