-- One row per wallet: wallet_id, balance, version, closed (see the README).
SELECT wallet_id, version, balance, closed
FROM wallet_snapshots
ORDER BY wallet_id, version;
