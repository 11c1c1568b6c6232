-- Only pending jobs, sorted by age: about 1,000 entries (a few pages) instead of 400,000.
CREATE INDEX jobs_pending_created_idx ON jobs (created_at) WHERE status = 'pending';
