-- Indexes and statistics for the slow dashboard; built without blocking writes, as in production.
SET lock_timeout = '5s';

-- Q1: the tracking page compares lower(tracking_code); index that expression
CREATE INDEX CONCURRENTLY shipments_tracking_lower ON brightwater.shipments (lower(tracking_code));

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

-- Q8: the chart's numbers, computed once (refreshed nightly)
CREATE MATERIALIZED VIEW brightwater.customer_daily_events AS
SELECT s.customer_id, (e.occurred_at AT TIME ZONE 'UTC')::date AS day, count(*) AS events
FROM brightwater.events AS e JOIN brightwater.shipments AS s ON s.shipment_id = e.shipment_id
GROUP BY 1, 2;
CREATE INDEX ON brightwater.customer_daily_events (customer_id, day);
