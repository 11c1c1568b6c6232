-- Q8: read the precomputed chart.
SELECT day, events FROM brightwater.customer_daily_events WHERE customer_id = :customer ORDER BY day;
