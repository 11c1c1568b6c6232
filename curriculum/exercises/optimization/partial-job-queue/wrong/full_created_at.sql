CREATE INDEX jobs_created_idx ON jobs (created_at);
