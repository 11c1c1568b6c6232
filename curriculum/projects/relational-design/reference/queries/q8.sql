SELECT o.order_ref, o.placed_at, b.email::text AS buyer_email, s.name AS seller_name, v.sku, ol.qty,
       ol.unit_price_cents, ol.line_total_cents
FROM shop.orders AS o
JOIN shop.buyers AS b USING (buyer_id)
JOIN shop.order_lines AS ol USING (order_id)
JOIN shop.variants AS v USING (variant_id)
JOIN shop.sellers AS s ON s.seller_id = v.seller_id
WHERE o.order_ref = :'ref'
ORDER BY s.name, v.sku;
