SELECT seller_id, date_trunc('month', placed_at AT TIME ZONE 'UTC')::date AS month,
       count(DISTINCT order_ref) AS orders, sum(line_total_cents) AS revenue_cents
FROM grader.good_lines GROUP BY 1, 2 ORDER BY month, seller_id;
