CREATE INDEX jobs_pending_in ON jobs (created_at) WHERE status IN ('pending');
