SELECT status, count(*) FROM jobs GROUP BY status;
CREATE INDEX jobs_waiting ON jobs USING btree (created_at ASC) WHERE (status = 'pending');
SELECT pg_size_pretty(pg_relation_size('jobs_waiting'));
ANALYZE jobs;
