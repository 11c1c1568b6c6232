CREATE INDEX jobs_pending_idx ON jobs (created_at, id) WHERE status = 'pending';
