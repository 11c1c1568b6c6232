-- One block per alert: a "-- alert: <name>" line, then your severity, threshold and reason as
-- comments, then a query that returns one row per problem and no rows when all is well.
\set long_xact_seconds 300
\set lock_wait_seconds 60
\set slot_retained_mb 10240
\set connections_pct 80

-- alert: long_transaction
-- severity: ...  Threshold: :long_xact_seconds seconds.  Reason: ...
SELECT pid FROM pg_stat_activity WHERE false;
