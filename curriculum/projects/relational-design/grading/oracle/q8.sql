SELECT g.order_ref, g.placed_at, a.email AS buyer_email, g.current_seller_name AS seller_name, g.sku, g.qty,
       g.unit_price_cents, g.line_total_cents
FROM grader.good_lines AS g JOIN staging.legacy_accounts AS a ON a.account_id = g.buyer_id
WHERE g.order_ref = :'ref' ORDER BY seller_name, sku;
