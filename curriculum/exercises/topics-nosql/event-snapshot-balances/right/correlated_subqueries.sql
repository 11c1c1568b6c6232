SELECT w.wallet_id,
       coalesce((SELECT s.balance FROM wallet_snapshots s WHERE s.wallet_id = w.wallet_id ORDER BY s.version DESC LIMIT 1), 0)
       + coalesce((SELECT sum(CASE e.event_type WHEN 'Deposited' THEN e.amount WHEN 'Withdrawn' THEN -e.amount END)
                   FROM wallet_events e
                   WHERE e.wallet_id = w.wallet_id
                     AND e.version > coalesce((SELECT max(s.version) FROM wallet_snapshots s WHERE s.wallet_id = w.wallet_id), 0)), 0)
         AS balance,
       greatest((SELECT max(s.version) FROM wallet_snapshots s WHERE s.wallet_id = w.wallet_id),
                (SELECT max(e.version) FROM wallet_events e WHERE e.wallet_id = w.wallet_id)) AS version,
       coalesce((SELECT s.closed FROM wallet_snapshots s WHERE s.wallet_id = w.wallet_id ORDER BY s.version DESC LIMIT 1), false)
       OR EXISTS (SELECT 1 FROM wallet_events e
                  WHERE e.wallet_id = w.wallet_id AND e.event_type = 'Closed'
                    AND e.version > coalesce((SELECT max(s.version) FROM wallet_snapshots s WHERE s.wallet_id = w.wallet_id), 0))
         AS closed
FROM (SELECT wallet_id FROM wallet_events UNION SELECT wallet_id FROM wallet_snapshots) AS w
ORDER BY w.wallet_id;
