-- The platform's own reading of the export (run as the administrator before the learner's files):
-- the well-formed lines every correct migration keeps, and the anomalous ones it must log.
CREATE TABLE grader.good_lines AS
SELECT s.*, a.account_id AS buyer_id, c.listing_id AS cat_listing_id, c.seller_name AS current_seller_name
FROM staging.legacy_order_lines AS s
JOIN staging.legacy_accounts AS a ON lower(a.email) = lower(btrim(s.buyer_email))
JOIN staging.legacy_catalogue AS c ON c.sku = s.sku AND c.seller_id = s.seller_id
WHERE s.qty > 0;
CREATE TABLE grader.anomalies AS
SELECT line_id FROM staging.legacy_order_lines
EXCEPT SELECT line_id FROM grader.good_lines;
ANALYZE grader.good_lines;
