INSERT INTO shop.sellers VALUES (1, 'Workshop 1');
INSERT INTO shop.listings VALUES (10, 1, 'Teapot', true);
INSERT INTO shop.variants (listing_id, seller_id, sku, label, price_cents, stock) VALUES (10, 1, 'TP-1', 'Large', 4000, 3);
INSERT INTO shop.buyers VALUES (7, 'ada@example.com', now());
INSERT INTO shop.orders (order_ref, buyer_id) VALUES ('R-1', 7);
INSERT INTO shop.order_lines (order_id, variant_id, qty, unit_price_cents, discount_cents, line_total_cents)
SELECT o.order_id, v.variant_id, 2, 4000, 800, 8000 FROM shop.orders o, shop.variants v;
