-- A derived table for the latest snapshot (max version per wallet joined back); balance rounded to cents.
SELECT ids.wallet_id,
       round(coalesce(ls.balance, 0) + coalesce(sum(
           CASE ev.event_type WHEN 'Deposited' THEN ev.amount WHEN 'Withdrawn' THEN -ev.amount ELSE 0 END), 0), 2) AS balance,
       CASE WHEN max(ev.version) IS NULL THEN ls.version ELSE max(ev.version) END AS version,
       coalesce(ls.closed, false) OR coalesce(bool_or(ev.event_type = 'Closed'), false) AS closed
FROM (SELECT wallet_id FROM wallet_events UNION SELECT wallet_id FROM wallet_snapshots) AS ids
LEFT JOIN (
    SELECT snap.*
    FROM wallet_snapshots AS snap
    JOIN (SELECT wallet_id, max(version) AS version FROM wallet_snapshots GROUP BY wallet_id) AS newest
      USING (wallet_id, version)
) AS ls ON ls.wallet_id = ids.wallet_id
LEFT JOIN wallet_events AS ev ON ev.wallet_id = ids.wallet_id AND ev.version > coalesce(ls.version, 0)
GROUP BY ids.wallet_id, ls.balance, ls.version, ls.closed
ORDER BY ids.wallet_id;
