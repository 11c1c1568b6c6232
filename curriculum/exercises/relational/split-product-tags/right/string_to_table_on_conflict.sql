-- PostgreSQL 14+: string_to_table; duplicates skipped by the key.
CREATE TABLE product_tags (sku text NOT NULL REFERENCES products (sku), tag text NOT NULL,
                           CONSTRAINT product_tags_pk PRIMARY KEY (sku, tag));
INSERT INTO product_tags (sku, tag)
SELECT p.sku, trim(x.t)
FROM products p
JOIN LATERAL string_to_table(p.tags, ',') AS x(t) ON true
WHERE length(trim(x.t)) > 0
ON CONFLICT (sku, tag) DO NOTHING;
ALTER TABLE products DROP tags;
