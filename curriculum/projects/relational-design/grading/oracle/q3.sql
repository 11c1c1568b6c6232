SELECT date_trunc('month', a.signed_up_at AT TIME ZONE 'UTC')::date AS signup_month, count(*) AS buyers,
       count(*) FILTER (WHERE n.orders >= 2) AS repeat_buyers,
       round(count(*) FILTER (WHERE n.orders >= 2)::numeric / count(*), 4) AS repeat_rate
FROM staging.legacy_accounts AS a
LEFT JOIN (SELECT buyer_id, count(DISTINCT order_ref) AS orders FROM grader.good_lines GROUP BY 1) AS n
       ON n.buyer_id = a.account_id
GROUP BY 1 ORDER BY 1;
