-- Indexes and statistics for the slow dashboard; built without blocking writes, as in production.
SET lock_timeout = '5s';

-- Q1: tracking_code already has a unique index

-- Q1, Q8 and page.sql: the events of one shipment (deduplicated, so small)
CREATE INDEX CONCURRENTLY events_shipment ON brightwater.events (shipment_id);

-- Q2: the exception feed, newest first; partial, so it holds only the 2.5% that are exceptions
CREATE INDEX CONCURRENTLY events_exceptions_recent ON brightwater.events (occurred_at DESC, event_id DESC)
    WHERE kind = 'exception';

-- Q3: one hub's events over a time range (equality column first, then the range)
CREATE INDEX CONCURRENTLY events_city_time ON brightwater.events (city, occurred_at);
-- Q3: country follows from city; without this the planner multiplies their selectivities
CREATE STATISTICS brightwater.events_city_country (dependencies) ON city, country FROM brightwater.events;

-- Q4: the rare statuses, newest first; 'delivered' is 90% of rows and never asked for
CREATE INDEX CONCURRENTLY shipments_open_status ON brightwater.shipments (status, created_at DESC, shipment_id DESC)
    WHERE status <> 'delivered';

-- Q5, Q8 and page.sql: a customer's shipments, newest first
CREATE INDEX CONCURRENTLY shipments_customer_recent ON brightwater.shipments (customer_id, created_at DESC, shipment_id DESC);
-- Q5: the anti-join probes returns by the shipment they return
CREATE INDEX CONCURRENTLY shipments_return_of ON brightwater.shipments (return_of) WHERE return_of IS NOT NULL;

-- Q6: one index per side of the OR, combined by a BitmapOr
CREATE INDEX CONCURRENTLY shipments_origin_city ON brightwater.shipments (origin_city);
CREATE INDEX CONCURRENTLY shipments_dest_city ON brightwater.shipments (dest_city);

-- Q7: a leading wildcard needs trigrams
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX CONCURRENTLY shipments_customer_ref_trgm ON brightwater.shipments USING gin (customer_ref gin_trgm_ops);

ANALYZE brightwater.events;
ANALYZE brightwater.shipments;
