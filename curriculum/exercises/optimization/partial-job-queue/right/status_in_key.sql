CREATE INDEX jobs_status_created_pending ON jobs (status, created_at) WHERE status = 'pending';
