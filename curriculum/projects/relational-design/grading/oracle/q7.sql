SELECT a.account_id AS buyer_id, a.email, count(DISTINCT g.seller_id) AS sellers
FROM staging.legacy_accounts AS a JOIN grader.good_lines AS g ON g.buyer_id = a.account_id
GROUP BY a.account_id, a.email
HAVING count(DISTINCT g.seller_id) >= 3 AND count(g.review_rating) = 0
ORDER BY sellers DESC, buyer_id;
