SELECT c.code AS coupon_code, count(DISTINCT o.order_id) AS orders,
       coalesce(sum(ol.line_total_cents), 0) AS revenue_cents,
       coalesce(sum(ol.discount_cents), 0) AS discount_cents
FROM shop.coupons AS c
LEFT JOIN shop.orders AS o ON o.coupon_code = c.code
LEFT JOIN shop.order_lines AS ol USING (order_id)
GROUP BY c.code
ORDER BY discount_cents DESC, coupon_code;
