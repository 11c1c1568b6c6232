SET enable_bitmapscan = off;
SET enable_indexscan = off;
