CREATE INDEX jobs_pending_status ON jobs (status) WHERE status = 'pending';
