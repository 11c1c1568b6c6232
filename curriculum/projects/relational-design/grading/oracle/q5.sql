SELECT c.code AS coupon_code, count(DISTINCT g.order_ref) AS orders,
       coalesce(sum(g.line_total_cents), 0) AS revenue_cents, coalesce(sum(g.discount_cents), 0) AS discount_cents
FROM staging.legacy_coupons AS c LEFT JOIN grader.good_lines AS g ON g.coupon_code = c.code
GROUP BY c.code ORDER BY discount_cents DESC, coupon_code;
