-- A furniture catalog: 60,000 products, each with a jsonb bag of attributes.
CREATE TABLE products (
    id          integer PRIMARY KEY,
    sku         text NOT NULL,
    price_cents integer NOT NULL,
    attrs       jsonb NOT NULL
);
INSERT INTO products
SELECT g,
       'SKU-' || lpad(g::text, 6, '0'),
       500 + (g * 7907) % 100000,
       jsonb_build_object(
           'color',    (ARRAY['red','green','blue','black','white','oak','walnut','grey','teal','sand','rust','ivory'])[1 + (g * 7) % 12],
           'material', (ARRAY['wood','steel','fabric','glass','leather','rattan','marble','wool'])[1 + (g * 13 / 12) % 8],
           'outdoor',  g % 7 = 0,
           'seats',    1 + g % 6)
FROM generate_series(1, 60000) AS g;
