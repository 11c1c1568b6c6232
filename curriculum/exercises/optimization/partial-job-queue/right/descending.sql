CREATE INDEX ON jobs (created_at DESC) WHERE status = 'pending';
