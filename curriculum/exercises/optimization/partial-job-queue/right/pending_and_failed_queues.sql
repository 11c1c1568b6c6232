-- One small index per operational queue: pending jobs for the workers, failed ones for the retry screen.
CREATE INDEX jobs_pending_at ON jobs (created_at) WHERE status = 'pending';
CREATE INDEX jobs_failed_at ON jobs (created_at) WHERE status = 'failed';
