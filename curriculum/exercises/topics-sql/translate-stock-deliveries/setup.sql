-- Lindqvist Outdoor's warehouse, migrated from SQL Server.
CREATE TABLE stock (
    sku text PRIMARY KEY,
    qty integer NOT NULL CHECK (qty >= 0)
);

CREATE TABLE deliveries (
    delivery_id integer PRIMARY KEY,
    sku         text NOT NULL,
    qty         integer NOT NULL CHECK (qty > 0)
);

INSERT INTO stock VALUES
    ('TENT-2P', 4), ('TENT-4P', 0), ('STOVE-GAS', 12), ('MAT-FOAM', 30), ('LAMP-HEAD', 7);

INSERT INTO deliveries VALUES
    (1, 'TENT-2P',   6),
    (2, 'BAG-65L',   5),    -- new SKU
    (3, 'STOVE-GAS', 3),
    (4, 'TENT-2P',   2),    -- second delivery of the same SKU
    (5, 'BAG-65L',   1),    -- a new SKU delivered twice
    (6, 'POLE-CARB', 8);    -- new SKU
