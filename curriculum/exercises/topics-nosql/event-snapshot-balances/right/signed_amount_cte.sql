WITH signed AS (
    SELECT wallet_id, version, event_type,
           CASE event_type WHEN 'Withdrawn' THEN -amount WHEN 'Deposited' THEN amount ELSE 0::numeric END AS signed_amount
    FROM wallet_events
),
last_snapshot AS (
    SELECT wallet_id, max(version) AS version FROM wallet_snapshots GROUP BY wallet_id
),
base AS (
    SELECT s.wallet_id, s.version, s.balance, s.closed
    FROM wallet_snapshots AS s JOIN last_snapshot USING (wallet_id, version)
),
ids AS (SELECT wallet_id FROM base UNION SELECT wallet_id FROM signed)
SELECT ids.wallet_id,
       coalesce(base.balance, 0) + coalesce(sum(signed.signed_amount), 0) AS balance,
       coalesce(max(signed.version), base.version) AS version,
       bool_or(coalesce(base.closed, false) OR coalesce(signed.event_type = 'Closed', false)) AS closed
FROM ids
LEFT JOIN base USING (wallet_id)
LEFT JOIN signed ON signed.wallet_id = ids.wallet_id AND signed.version > coalesce(base.version, 0)
GROUP BY ids.wallet_id, base.balance, base.version
ORDER BY ids.wallet_id;
