SELECT b.buyer_id, b.email::text AS email, count(DISTINCT v.seller_id) AS sellers
FROM shop.buyers AS b
JOIN shop.orders AS o USING (buyer_id)
JOIN shop.order_lines AS ol USING (order_id)
JOIN shop.variants AS v USING (variant_id)
WHERE NOT EXISTS (SELECT 1 FROM shop.reviews AS r JOIN shop.order_lines AS rl USING (line_id)
                  JOIN shop.orders AS ro USING (order_id) WHERE ro.buyer_id = b.buyer_id)
GROUP BY b.buyer_id
HAVING count(DISTINCT v.seller_id) >= 3
ORDER BY sellers DESC, b.buyer_id;
