SELECT date_trunc('month', b.signed_up_at AT TIME ZONE 'UTC')::date AS signup_month,
       count(DISTINCT b.buyer_id) AS buyers,
       count(DISTINCT b.buyer_id) FILTER (WHERE n.orders >= 2) AS repeat_buyers,
       round(count(DISTINCT b.buyer_id) FILTER (WHERE n.orders >= 2)::numeric / count(DISTINCT b.buyer_id), 4) AS repeat_rate
FROM shop.buyers AS b
JOIN (SELECT buyer_id, count(*) AS orders FROM shop.orders GROUP BY buyer_id) AS n USING (buyer_id)
GROUP BY 1
ORDER BY 1;
