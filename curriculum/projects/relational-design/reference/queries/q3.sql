WITH per_buyer AS (
    SELECT b.buyer_id, date_trunc('month', b.signed_up_at AT TIME ZONE 'UTC')::date AS signup_month,
           (SELECT count(*) FROM shop.orders AS o WHERE o.buyer_id = b.buyer_id) AS orders
    FROM shop.buyers AS b
)
SELECT signup_month, count(*) AS buyers, count(*) FILTER (WHERE orders >= 2) AS repeat_buyers,
       round(count(*) FILTER (WHERE orders >= 2)::numeric / count(*), 4) AS repeat_rate
FROM per_buyer
GROUP BY signup_month
ORDER BY signup_month;
