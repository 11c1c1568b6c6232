-- Runs after setup.sql, in the hidden database only: other stock, a SKU delivered three
-- times, several new SKUs, one of them twice, deliveries of SKUs whose stock is 0.
TRUNCATE stock, deliveries;

INSERT INTO stock VALUES
    ('SKI-170', 2), ('SKI-180', 0), ('BOOT-42', 9), ('POLE-ALU', 15), ('WAX-RED', 40),
    ('GLOVE-M', 0);

INSERT INTO deliveries VALUES
    (10, 'SKI-180',   4),
    (11, 'GOGGLE-L',  3),
    (12, 'SKI-180',   1),
    (13, 'WAX-RED',   10),
    (14, 'GOGGLE-L',  2),
    (15, 'SKI-180',   5),
    (16, 'HELMET-S',  6),
    (17, 'GLOVE-M',   12),
    (18, 'GOGGLE-L',  1),
    (19, 'SKIN-120',  1);
