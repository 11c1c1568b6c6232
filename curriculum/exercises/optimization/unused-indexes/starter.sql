-- The lesson's query, for one server's statistics:
SELECT relname, indexrelname, idx_scan FROM index_usage WHERE server = 'primary' AND idx_scan = 0;
