-- Moves the legacy export into shop.*; every statement skips what an earlier run already moved.
INSERT INTO shop.sellers (seller_id, name)
SELECT DISTINCT seller_id, seller_name FROM staging.legacy_catalogue
ON CONFLICT (seller_id) DO NOTHING;

INSERT INTO shop.listings (listing_id, seller_id, title, active)
SELECT DISTINCT listing_id, seller_id, listing_title, listing_active FROM staging.legacy_catalogue
ON CONFLICT (listing_id) DO NOTHING;

INSERT INTO shop.variants (listing_id, seller_id, sku, label, price_cents, stock)
SELECT listing_id, seller_id, sku, variant_label, price_cents, stock FROM staging.legacy_catalogue
ON CONFLICT (seller_id, sku) DO NOTHING;

INSERT INTO shop.buyers (buyer_id, email, signed_up_at)
SELECT account_id, btrim(email), signed_up_at FROM staging.legacy_accounts
ON CONFLICT DO NOTHING;

INSERT INTO shop.coupons (code, pct, valid_from, valid_until)
SELECT code, pct, valid_from, valid_until FROM staging.legacy_coupons
ON CONFLICT (code) DO NOTHING;

-- Lines that cannot be placed are logged, never silently dropped.
INSERT INTO shop.migration_issues (line_id, problem)
SELECT s.line_id,
       CASE WHEN s.qty <= 0 THEN 'quantity ' || s.qty || ' is not positive'
            ELSE 'SKU ' || s.sku || ' is not in the catalogue' END
FROM staging.legacy_order_lines AS s
WHERE s.qty <= 0 OR NOT EXISTS (SELECT 1 FROM staging.legacy_catalogue c WHERE c.sku = s.sku)
ON CONFLICT (line_id) DO NOTHING;

CREATE TEMPORARY TABLE good_lines AS
SELECT s.*, b.buyer_id, v.variant_id
FROM staging.legacy_order_lines AS s
JOIN shop.buyers AS b ON b.email::text = s.buyer_email
JOIN shop.variants AS v ON v.seller_id = s.seller_id AND v.sku = s.sku
WHERE s.qty > 0 AND NOT EXISTS (SELECT 1 FROM shop.migration_issues i WHERE i.line_id = s.line_id);

INSERT INTO shop.orders (order_ref, buyer_id, placed_at, coupon_code)
SELECT order_ref, min(buyer_id), min(placed_at), min(coupon_code)
FROM good_lines GROUP BY order_ref
ON CONFLICT (order_ref) DO NOTHING;

INSERT INTO shop.order_lines (legacy_line_id, order_id, variant_id, qty, unit_price_cents, coupon_pct,
                              discount_cents, line_total_cents)
SELECT g.line_id, o.order_id, g.variant_id, g.qty, g.unit_price_cents, g.coupon_pct, g.discount_cents,
       g.line_total_cents
FROM good_lines AS g JOIN shop.orders AS o USING (order_ref)
ON CONFLICT (legacy_line_id) DO NOTHING;

INSERT INTO shop.refunds (line_id, refunded_cents, refunded_at)
SELECT ol.line_id, g.refunded_cents, g.refunded_at
FROM good_lines AS g JOIN shop.order_lines AS ol ON ol.legacy_line_id = g.line_id
WHERE g.refunded_cents > 0
ON CONFLICT (line_id) DO NOTHING;

INSERT INTO shop.reviews (line_id, rating, body, reviewed_at)
SELECT ol.line_id, g.review_rating, coalesce(g.review_body, ''), g.reviewed_at
FROM good_lines AS g JOIN shop.order_lines AS ol ON ol.legacy_line_id = g.line_id
WHERE g.review_rating IS NOT NULL
ON CONFLICT (line_id) DO NOTHING;

DROP TABLE good_lines;
