-- Coordinator: tickets and comments hash-partitioned on tenant_id, modulus 4, each partition a
-- foreign table on its own shard. Run as a superuser on the coordinator:
--   psql -v shard_host=/run/shards -v shard_password=... -v node_no=1 -f coordinator.sql
CREATE EXTENSION IF NOT EXISTS postgres_fdw;

-- async_capable lets an Append over several shards start every remote scan at once
-- (Async Foreign Scan) instead of one after another; fetch_size cuts round trips on fan-out reads.
CREATE SERVER shard0 FOREIGN DATA WRAPPER postgres_fdw
    OPTIONS (host :'shard_host', port '5433', dbname 'helpdesk', async_capable 'true', fetch_size '1000');
CREATE SERVER shard1 FOREIGN DATA WRAPPER postgres_fdw
    OPTIONS (host :'shard_host', port '5434', dbname 'helpdesk', async_capable 'true', fetch_size '1000');
CREATE SERVER shard2 FOREIGN DATA WRAPPER postgres_fdw
    OPTIONS (host :'shard_host', port '5435', dbname 'helpdesk', async_capable 'true', fetch_size '1000');
CREATE SERVER shard3 FOREIGN DATA WRAPPER postgres_fdw
    OPTIONS (host :'shard_host', port '5436', dbname 'helpdesk', async_capable 'true', fetch_size '1000');

-- The application and reporting roles reach every shard as the shard's own app role.
CREATE USER MAPPING FOR helpdesk_app SERVER shard0 OPTIONS (user 'helpdesk_app', password :'shard_password');
CREATE USER MAPPING FOR helpdesk_app SERVER shard1 OPTIONS (user 'helpdesk_app', password :'shard_password');
CREATE USER MAPPING FOR helpdesk_app SERVER shard2 OPTIONS (user 'helpdesk_app', password :'shard_password');
CREATE USER MAPPING FOR helpdesk_app SERVER shard3 OPTIONS (user 'helpdesk_app', password :'shard_password');
CREATE USER MAPPING FOR reporting SERVER shard0 OPTIONS (user 'reporting', password :'shard_password');
CREATE USER MAPPING FOR reporting SERVER shard1 OPTIONS (user 'reporting', password :'shard_password');
CREATE USER MAPPING FOR reporting SERVER shard2 OPTIONS (user 'reporting', password :'shard_password');
CREATE USER MAPPING FOR reporting SERVER shard3 OPTIONS (user 'reporting', password :'shard_password');

-- Identifier strategy: no global sequence. postgres_fdw computes defaults on the coordinator, so
-- ids are made here, snowflake style: milliseconds since 2025 (41 bits), this coordinator's node
-- number (10 bits, the setting quillstack.node_no, unique per coordinator) and a local counter (12 bits).
-- Two coordinators never share a node number, so ids never collide whichever shard a row lands
-- on; one node can make 4,096 ids per millisecond before the counter wraps.
ALTER DATABASE helpdesk SET quillstack.node_no = :'node_no';
SET quillstack.node_no = :'node_no';
CREATE SEQUENCE local_ids CYCLE MAXVALUE 4095 MINVALUE 0;
CREATE FUNCTION next_id() RETURNS bigint LANGUAGE sql VOLATILE AS $$
    SELECT ((extract(epoch FROM clock_timestamp() - timestamptz '2025-01-01 00:00+00') * 1000)::bigint << 22)
         | (current_setting('quillstack.node_no')::bigint << 12) | nextval('local_ids')
$$;
CREATE TABLE tickets (
    id         bigint NOT NULL DEFAULT next_id(),
    tenant_id  int NOT NULL,
    subject    text NOT NULL,
    status     text NOT NULL,
    priority   smallint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    solved_at  timestamptz
) PARTITION BY HASH (tenant_id);

CREATE FOREIGN TABLE tickets_p0 PARTITION OF tickets FOR VALUES WITH (MODULUS 4, REMAINDER 0)
    SERVER shard0 OPTIONS (table_name 'tickets');
CREATE FOREIGN TABLE tickets_p1 PARTITION OF tickets FOR VALUES WITH (MODULUS 4, REMAINDER 1)
    SERVER shard1 OPTIONS (table_name 'tickets');
CREATE FOREIGN TABLE tickets_p2 PARTITION OF tickets FOR VALUES WITH (MODULUS 4, REMAINDER 2)
    SERVER shard2 OPTIONS (table_name 'tickets');
CREATE FOREIGN TABLE tickets_p3 PARTITION OF tickets FOR VALUES WITH (MODULUS 4, REMAINDER 3)
    SERVER shard3 OPTIONS (table_name 'tickets');

-- Comments follow their ticket's tenant: same key, same remainders, same shard.
CREATE TABLE comments (
    id         bigint NOT NULL DEFAULT next_id(),
    ticket_id  bigint NOT NULL,
    tenant_id  int NOT NULL,
    author     text NOT NULL,
    body       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
) PARTITION BY HASH (tenant_id);

CREATE FOREIGN TABLE comments_p0 PARTITION OF comments FOR VALUES WITH (MODULUS 4, REMAINDER 0)
    SERVER shard0 OPTIONS (table_name 'comments');
CREATE FOREIGN TABLE comments_p1 PARTITION OF comments FOR VALUES WITH (MODULUS 4, REMAINDER 1)
    SERVER shard1 OPTIONS (table_name 'comments');
CREATE FOREIGN TABLE comments_p2 PARTITION OF comments FOR VALUES WITH (MODULUS 4, REMAINDER 2)
    SERVER shard2 OPTIONS (table_name 'comments');
CREATE FOREIGN TABLE comments_p3 PARTITION OF comments FOR VALUES WITH (MODULUS 4, REMAINDER 3)
    SERVER shard3 OPTIONS (table_name 'comments');

-- The weekly SLA report aggregates per tenant, and tenant_id is the partition key, so each shard
-- can compute its own groups: with this on, Remote SQL carries the GROUP BY.
ALTER ROLE reporting SET enable_partitionwise_aggregate = on;
