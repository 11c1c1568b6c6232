CREATE INDEX jobs_pending_queue ON jobs (queue, created_at) WHERE status = 'pending';
