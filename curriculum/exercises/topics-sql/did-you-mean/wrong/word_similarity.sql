-- word_similarity measures the best matching part of the name, not the whole name.
SELECT product_id, name, round(word_similarity('expreso machne', name)::numeric, 2) AS score
FROM products
WHERE word_similarity('expreso machne', name) >= 0.35
ORDER BY word_similarity('expreso machne', name) DESC, product_id;
