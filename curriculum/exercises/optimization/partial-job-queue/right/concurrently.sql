CREATE INDEX CONCURRENTLY jobs_pending_conc ON jobs (created_at) WHERE status = 'pending';
