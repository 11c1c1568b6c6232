-- Another cluster: the same index name in two schemas with different usage, indexes of equal
-- size, an unused unique index, and an index used only on the replica.
TRUNCATE index_usage, index_catalog;
INSERT INTO index_catalog VALUES
    ('app',     'users',    'users_pkey',        true,  true,  1000),
    ('app',     'users',    'users_email_key',   true,  false, 2000),
    ('app',     'users',    'users_created_idx', false, false, 5000),
    ('archive', 'users',    'users_created_idx', false, false, 5000),
    ('app',     'sessions', 'sessions_user_idx', false, false, 7000),
    ('app',     'sessions', 'sessions_ip_idx',   false, false, 7000),
    ('archive', 'sessions', 'sessions_ip_idx',   false, false, 3000),
    ('app',     'sessions', 'sessions_seen_idx', false, false, 9000),
    ('app',     'sessions', 'sessions_pkey',     true,  true,  4000);
INSERT INTO index_usage (server, schemaname, relname, indexrelname, idx_scan, idx_tup_read, idx_tup_fetch) VALUES
    ('primary', 'app', 'users', 'users_pkey', 10, 10, 10),          ('replica', 'app', 'users', 'users_pkey', 0, 0, 0),
    ('primary', 'app', 'users', 'users_email_key', 0, 0, 0),        ('replica', 'app', 'users', 'users_email_key', 0, 0, 0),
    ('primary', 'app', 'users', 'users_created_idx', 4, 40, 40),    ('replica', 'app', 'users', 'users_created_idx', 0, 0, 0),
    ('primary', 'archive', 'users', 'users_created_idx', 0, 0, 0),  ('replica', 'archive', 'users', 'users_created_idx', 0, 0, 0),
    ('primary', 'app', 'sessions', 'sessions_user_idx', 0, 0, 0),   ('replica', 'app', 'sessions', 'sessions_user_idx', 0, 0, 0),
    ('primary', 'app', 'sessions', 'sessions_ip_idx', 0, 0, 0),     ('replica', 'app', 'sessions', 'sessions_ip_idx', 0, 0, 0),
    ('primary', 'archive', 'sessions', 'sessions_ip_idx', 0, 0, 0), ('replica', 'archive', 'sessions', 'sessions_ip_idx', 7, 70, 0),
    ('primary', 'app', 'sessions', 'sessions_seen_idx', 0, 3, 0),   ('replica', 'app', 'sessions', 'sessions_seen_idx', 0, 0, 0),
    ('primary', 'app', 'sessions', 'sessions_pkey', 0, 0, 0),       ('replica', 'app', 'sessions', 'sessions_pkey', 0, 0, 0);
