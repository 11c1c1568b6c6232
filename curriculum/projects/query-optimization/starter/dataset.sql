-- Brightwater Logistics' parcel database, generated: psql -v seed=0.5 -v shipments=40000 -f dataset.sql
-- The graded run uses this script with seed 0.5 and 40,000 shipments (about 240,000 events);
-- the brief's production numbers are larger, the problems are the same.
DROP SCHEMA IF EXISTS brightwater CASCADE;
CREATE SCHEMA brightwater;
SELECT setseed(:seed);

CREATE TABLE brightwater.customers (
    customer_id integer PRIMARY KEY,
    name        text NOT NULL,
    region      text NOT NULL
);
INSERT INTO brightwater.customers
SELECT g, (ARRAY['Acme','Birch','Cobalt','Dune','Ember','Fjord','Granite','Harbor'])[1 + g % 8] || ' '
          || (ARRAY['Supplies','Foods','Textiles','Parts','Labs'])[1 + g % 5] || ' ' || g,
       (ARRAY['north','south','east','west'])[1 + g % 4]
FROM generate_series(1, greatest(100, :shipments / 20)) AS g;

CREATE TABLE brightwater.shipments (
    shipment_id   bigint PRIMARY KEY,
    customer_id   integer NOT NULL REFERENCES brightwater.customers,
    tracking_code text NOT NULL UNIQUE,
    customer_ref  text NOT NULL,          -- the customer's own purchase-order reference
    status        text NOT NULL,
    created_at    timestamptz NOT NULL,
    origin_city   text NOT NULL,
    dest_city     text NOT NULL,
    return_of     bigint,                 -- the shipment this one returns, if it is a return
    label_json    text NOT NULL           -- the printed label, kept verbatim
);
INSERT INTO brightwater.shipments
SELECT g,
       -- a few large customers ship most parcels
       1 + floor(power(random(), 3) * greatest(100, :shipments / 20))::int,
       'BW' || lpad((g * 7907 % 1000003)::text, 7, '0') || chr(65 + g % 26),
       'PO-' || (2023 + g % 3) || '-' || upper(substr(md5(g::text), 1, 6)),
       CASE WHEN r < 0.90 THEN 'delivered' WHEN r < 0.975 THEN 'in_transit' WHEN r < 0.997 THEN 'exception'
            ELSE 'lost' END,
       timestamptz '2023-01-01 00:00+00' + (g::float / :shipments) * interval '1000 days' + random() * interval '1 day',
       'city-' || (1 + floor(random() * 300)::int), 'city-' || (1 + floor(random() * 300)::int),
       NULL, repeat('L', 350 + floor(random() * 60)::int)
FROM (SELECT g, random() AS r FROM generate_series(1, :shipments) AS g) AS x;
-- one shipment in fifty is a return of an earlier one
UPDATE brightwater.shipments SET return_of = shipment_id - 1 - (shipment_id % 37) WHERE shipment_id % 50 = 0;

CREATE TABLE brightwater.events (
    event_id    bigint PRIMARY KEY,
    shipment_id bigint NOT NULL REFERENCES brightwater.shipments,
    occurred_at timestamptz NOT NULL,
    kind        text NOT NULL,
    city        text NOT NULL,
    country     text NOT NULL,  -- follows from city: the two are correlated
    payload     text NOT NULL  -- the scanner's raw message
);
INSERT INTO brightwater.events
SELECT row_number() OVER (ORDER BY at, s.shipment_id, n), s.shipment_id, at,
       CASE WHEN n = 1 THEN 'created' WHEN random() < 0.03 THEN 'exception' ELSE 'scan' END,
       'hub-' || c, (ARRAY['NL','DE','BE','FR','DK','PL','AT','CZ'])[1 + c % 8],
       '{"scanner": "' || md5(s.shipment_id::text || n) || '", "raw": "' || repeat('x', 80 + (c % 60)) || '"}'
FROM brightwater.shipments AS s,
     LATERAL (SELECT n, s.created_at + n * interval '7 hours' + random() * interval '3 hours' AS at,
                     1 + floor(random() * 80)::int AS c
              FROM generate_series(1, 2 + (s.shipment_id % 9)::int) AS n) AS e;
