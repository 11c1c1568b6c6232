-- Covering: the poll reads queue from the index too.
CREATE INDEX jobs_pending_cover ON jobs (created_at) INCLUDE (queue) WHERE status = 'pending';
