SELECT day, refunded_cents, sum(refunded_cents) OVER (ORDER BY day) AS running_refunded_cents
FROM (SELECT (refunded_at AT TIME ZONE 'UTC')::date AS day, sum(refunded_cents) AS refunded_cents
      FROM shop.refunds GROUP BY 1) AS per_day
ORDER BY day;
