-- A copy of production's pg_stat_statements, saved into an ordinary table with the view's
-- name and columns (PostgreSQL 15; the planning, WAL and JIT columns are left out). The
-- sandbox does not load the extension, and its own numbers would describe the sandbox.
-- One row per (userid, dbid, queryid): the web app (userid 16384) and the reporting role
-- (16385) run some of the same statements.
CREATE TABLE pg_stat_statements (
    userid              oid              NOT NULL,
    dbid                oid              NOT NULL,
    toplevel            boolean          NOT NULL,
    queryid             bigint           NOT NULL,
    query               text             NOT NULL,
    calls               bigint           NOT NULL,
    total_exec_time     double precision NOT NULL,
    min_exec_time       double precision NOT NULL,
    max_exec_time       double precision NOT NULL,
    mean_exec_time      double precision NOT NULL,
    stddev_exec_time    double precision NOT NULL,
    rows                bigint           NOT NULL,
    shared_blks_hit     bigint           NOT NULL,
    shared_blks_read    bigint           NOT NULL,
    temp_blks_written   bigint           NOT NULL
);
INSERT INTO pg_stat_statements
SELECT userid, 16390, true, queryid, query, calls, total, total / calls * 0.2, total / calls * 9,
       total / calls, total / calls * 0.7, rows, blks, blks / 50, temp
FROM (VALUES
    (16384, -7310468211473216101, 'SELECT id, name FROM customers WHERE id = $1',                       31200418, 140401.9,   31200418, 93601254, 0),
    (16384,  4419532718790210187, 'SELECT * FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT $2', 2104777, 631433.1, 21047770, 12628662, 0),
    (16385,  4419532718790210187, 'SELECT * FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT $2', 9120, 2736.0, 91200, 54720, 0),
    (16385,  1123581321345589144, 'SELECT date_trunc($1, created_at), sum(total_cents) FROM orders GROUP BY 1', 744, 402210.6, 26784, 111204800, 88012),
    (16384,  -998877665544332211, 'UPDATE carts SET updated_at = now() WHERE id = $1',                  8812004, 96932.0,    8812004, 35248016, 0),
    (16384,  5550001112223334445, 'INSERT INTO events (kind, payload) VALUES ($1, $2)',                 12004321, 180064.8,  12004321, 48017284, 0),
    (16385,  5550001112223334445, 'INSERT INTO events (kind, payload) VALUES ($1, $2)',                 1204, 18.1,          1204, 4816, 0),
    (16384,  3141592653589793238, 'SELECT count(*) FROM orders WHERE status = $1',                      52010, 301658.0,     52010, 260050000, 0),
    (16385,  3141592653589793238, 'SELECT count(*) FROM orders WHERE status = $1',                      1810, 10498.0,       1810, 9050000, 0),
    (16384,  2718281828459045235, 'SELECT p.* FROM products p WHERE p.attrs @> $1',                    410220, 205110.0,     8204400, 41022000, 0),
    (16385,  -123456789012345678, 'COPY (SELECT * FROM orders) TO STDOUT',                              31, 98201.4,         930000000, 45000000, 120000),
    (16384,  8008135800813580081, 'SELECT 1',                                                           4012004, 2006.0,     4012004, 0, 0),
    (16384,  6660006660006660006, 'DELETE FROM sessions WHERE expires_at < now()',                     8640, 51840.0,       864000, 2592000, 0)
) AS s(userid, queryid, query, calls, total, rows, blks, temp);
