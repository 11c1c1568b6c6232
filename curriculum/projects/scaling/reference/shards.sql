-- Each shard: the real tables. Run on every shard with  psql -f shards.sql
-- Constraints that still hold locally: primary keys, CHECKs, NOT NULL, and comments -> tickets,
-- because a ticket and its comments share tenant_id and therefore a shard.
-- What cannot be enforced here: uniqueness across shards (ids are unique by construction
-- instead) and any foreign key to tenants, which live on the coordinator.
-- Ids arrive from the coordinator (coordinator.sql), so no column here has a sequence.
CREATE TABLE tickets (
    id         bigint PRIMARY KEY,
    tenant_id  int NOT NULL,
    subject    text NOT NULL,
    status     text NOT NULL CHECK (status IN ('open', 'pending', 'solved', 'closed')),
    priority   smallint NOT NULL CHECK (priority BETWEEN 1 AND 4),
    created_at timestamptz NOT NULL DEFAULT now(),
    solved_at  timestamptz,
    UNIQUE (tenant_id, id)
);
CREATE INDEX ON tickets (tenant_id, created_at);

CREATE TABLE comments (
    id         bigint PRIMARY KEY,
    ticket_id  bigint NOT NULL,
    tenant_id  int NOT NULL,
    author     text NOT NULL CHECK (author IN ('requester', 'agent')),
    body       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, ticket_id) REFERENCES tickets (tenant_id, id)
);
CREATE INDEX ON comments (tenant_id, ticket_id);
