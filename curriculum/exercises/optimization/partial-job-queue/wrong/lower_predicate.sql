CREATE INDEX jobs_pending_lower ON jobs (created_at) WHERE lower(status) = 'pending';
