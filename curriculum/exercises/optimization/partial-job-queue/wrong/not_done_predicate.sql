CREATE INDEX jobs_open ON jobs (created_at) WHERE status <> 'done';
