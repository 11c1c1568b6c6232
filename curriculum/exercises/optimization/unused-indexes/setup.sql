-- A snapshot of production's index statistics, saved into ordinary tables. (This sandbox's own
-- pg_stat_user_indexes only counts what happens in the sandbox, and the real ones live on two
-- servers.) One row per index per server in index_usage, one row per index in index_catalog.
CREATE TABLE index_usage (          -- the columns of pg_stat_user_indexes, plus the server
    server        text   NOT NULL,  -- 'primary' or 'replica'
    schemaname    text   NOT NULL,
    relname       text   NOT NULL,
    indexrelname  text   NOT NULL,
    idx_scan      bigint NOT NULL,
    idx_tup_read  bigint NOT NULL,
    idx_tup_fetch bigint NOT NULL
);
CREATE TABLE index_catalog (        -- from pg_index and pg_relation_size, one row per index
    schemaname   text    NOT NULL,
    relname      text    NOT NULL,
    indexrelname text    NOT NULL,
    indisunique  boolean NOT NULL,
    indisprimary boolean NOT NULL,
    index_bytes  bigint  NOT NULL,
    PRIMARY KEY (schemaname, indexrelname)
);
INSERT INTO index_catalog VALUES
    ('shop', 'orders',    'orders_pkey',               true,  true,  92807168),
    ('shop', 'orders',    'orders_customer_id_idx',    false, false, 31186944),
    ('shop', 'orders',    'orders_status_idx',         false, false, 28393472),
    ('shop', 'orders',    'orders_created_at_idx',     false, false, 31186944),
    ('shop', 'orders',    'orders_coupon_code_idx',    false, false, 9666560),
    ('shop', 'customers', 'customers_pkey',            true,  true,  4513792),
    ('shop', 'customers', 'customers_email_key',       true,  false, 9445376),
    ('shop', 'customers', 'customers_region_idx',      false, false, 3162112),
    ('shop', 'customers', 'customers_lower_name_idx',  false, false, 5808128),
    ('shop', 'payments',  'payments_pkey',             true,  true,  45268992),
    ('shop', 'payments',  'payments_order_id_idx',     false, false, 45268992),
    ('shop', 'payments',  'payments_provider_ref_key', true,  false, 61497344),
    ('shop', 'payments',  'payments_status_created_idx', false, false, 52412416),
    ('audit', 'events',   'events_pkey',               true,  true,  120225792),
    ('audit', 'events',   'events_created_at_brin',    false, false, 49152),
    ('audit', 'events',   'events_actor_idx',          false, false, 88547328),
    ('audit', 'events',   'events_payload_gin',        false, false, 210763776);
-- Primary: the web application. Replica: reports and the monthly finance export.
INSERT INTO index_usage
SELECT s.server, c.schemaname, c.relname, c.indexrelname,
       b.scans[CASE s.server WHEN 'primary' THEN 1 ELSE 2 END],
       b.scans[CASE s.server WHEN 'primary' THEN 1 ELSE 2 END] * 12,
       b.scans[CASE s.server WHEN 'primary' THEN 1 ELSE 2 END] * 9
FROM index_catalog c
JOIN (VALUES
    ('orders_pkey',                 ARRAY[918273645, 1203]),
    ('orders_customer_id_idx',      ARRAY[48211934, 0]),
    ('orders_status_idx',           ARRAY[0, 0]),
    ('orders_created_at_idx',       ARRAY[0, 3120]),
    ('orders_coupon_code_idx',      ARRAY[0, 0]),
    ('customers_pkey',              ARRAY[55102334, 98]),
    ('customers_email_key',         ARRAY[0, 0]),
    ('customers_region_idx',        ARRAY[0, 0]),
    ('customers_lower_name_idx',    ARRAY[1022, 0]),
    ('payments_pkey',               ARRAY[0, 0]),
    ('payments_order_id_idx',       ARRAY[771203, 0]),
    ('payments_provider_ref_key',   ARRAY[0, 0]),
    ('payments_status_created_idx', ARRAY[0, 0]),
    ('events_pkey',                 ARRAY[0, 0]),
    ('events_created_at_brin',      ARRAY[0, 12]),
    ('events_actor_idx',            ARRAY[0, 0]),
    ('events_payload_gin',          ARRAY[0, 0])
) AS u(indexrelname, scans_int) USING (indexrelname)
CROSS JOIN LATERAL (SELECT u.scans_int::bigint[] AS scans) AS b
CROSS JOIN (VALUES ('primary'), ('replica')) AS s(server);
