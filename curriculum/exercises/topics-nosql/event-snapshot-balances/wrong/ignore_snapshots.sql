-- Replays only the events still in the table: archived history is lost.
SELECT wallet_id,
       coalesce(sum(CASE event_type WHEN 'Deposited' THEN amount WHEN 'Withdrawn' THEN -amount END), 0) AS balance,
       max(version) AS version,
       bool_or(event_type = 'Closed') AS closed
FROM wallet_events
GROUP BY wallet_id
ORDER BY wallet_id;
