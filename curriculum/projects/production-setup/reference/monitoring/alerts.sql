-- Saltmarsh Payroll's alert queries, run every minute by the monitoring agent as pgmon (a member
-- of pg_monitor). Each "-- alert:" block returns one row per problem; no rows means healthy.
-- Thresholds are psql variables so the agent (and the grading lab) can set them in one place.
\set long_xact_seconds 300
\set lock_wait_seconds 60
\set slot_retained_mb 20480
\set connections_pct 80
\set lag_seconds 30
\set xid_age_limit 1000000000

-- alert: replication_lag
-- severity: page. Threshold: replay 30 s behind. Reason: a failover would lose or wait for that much work.
-- Not alerted on: write_lag alone; it spikes under bulk loads and recovers by itself.
SELECT application_name, client_addr, replay_lag
FROM pg_stat_replication
WHERE replay_lag > make_interval(secs => :lag_seconds);

-- alert: archiver_failing
-- severity: page. Threshold: the last attempt failed. Reason: no archive, no PITR, and pg_wal fills up.
SELECT last_failed_wal, last_failed_time, failed_count
FROM pg_stat_archiver
WHERE last_failed_time IS NOT NULL
  AND last_failed_time > coalesce(last_archived_time, '-infinity');

-- alert: inactive_slot
-- severity: page. Threshold: 20 GB retained (a third of the WAL volume). Reason: the disk fills and the primary stops.
SELECT slot_name, active,
       pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)) AS retained
FROM pg_replication_slots
WHERE restart_lsn IS NOT NULL
  AND pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn) > :slot_retained_mb::bigint * 1024 * 1024;

-- alert: connection_saturation
-- severity: warn. Threshold: 80 % of max_connections. Reason: at 100 % new sessions, even PgBouncer's, are refused.
SELECT count(*) AS connections, current_setting('max_connections')::int AS max_connections
FROM pg_stat_activity
WHERE backend_type = 'client backend'
HAVING count(*) * 100 >= :connections_pct * current_setting('max_connections')::int;

-- alert: long_transaction
-- severity: warn. Threshold: a transaction open 5 minutes. Reason: it holds back vacuum and often holds locks.
SELECT pid, usename, state, now() - xact_start AS open_for
FROM pg_stat_activity
WHERE xact_start IS NOT NULL
  AND pid <> pg_backend_pid()
  AND now() - xact_start > make_interval(secs => :long_xact_seconds);

-- alert: blocked_locks
-- severity: page. Threshold: a session waiting a minute on another. Reason: a lock chain stalls payroll runs.
SELECT blocked.pid AS blocked_pid, pg_blocking_pids(blocked.pid) AS blocked_by,
       now() - blocked.query_start AS waiting
FROM pg_stat_activity blocked
WHERE cardinality(pg_blocking_pids(blocked.pid)) > 0
  AND now() - blocked.query_start > make_interval(secs => :lock_wait_seconds);

-- alert: xid_wraparound
-- severity: page. Threshold: 1 billion transactions old. Reason: at 2 billion the server stops accepting writes.
SELECT datname, age(datfrozenxid) AS xid_age
FROM pg_database
WHERE age(datfrozenxid) > :xid_age_limit;

-- alert: disk_growth
-- severity: warn. Threshold: the cluster over 80 % of its 500 GB volume. Reason: a week's headroom at launch growth.
SELECT pg_size_pretty(sum(pg_database_size(oid))) AS total
FROM pg_database
HAVING sum(pg_database_size(oid)) > 0.8 * 500 * 1024::numeric ^ 3;

-- report: top_statements (a dashboard, not an alert: it always has rows)
-- SELECT queryid, calls, round(total_exec_time) AS total_ms, left(query, 80)
-- FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 10;
