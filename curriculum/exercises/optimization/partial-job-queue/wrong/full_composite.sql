CREATE INDEX jobs_status_created_idx ON jobs (status, created_at);
