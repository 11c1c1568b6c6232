SELECT li.seller_id, date_trunc('month', o.placed_at AT TIME ZONE 'UTC')::date AS month,
       count(DISTINCT o.order_id) AS orders, sum(ol.line_total_cents) AS revenue_cents
FROM shop.orders AS o
JOIN shop.order_lines AS ol USING (order_id)
JOIN shop.variants AS v USING (variant_id)
JOIN shop.listings AS li USING (listing_id)
GROUP BY li.seller_id, 2
ORDER BY month, li.seller_id;
