-- Decides "new SKU" once, before the loop: a new SKU delivered twice is inserted twice.
DO $$
DECLARE
    d record;
BEGIN
    FOR d IN SELECT dl.sku, dl.qty, (s.sku IS NULL) AS is_new
             FROM deliveries dl LEFT JOIN stock s ON s.sku = dl.sku
             ORDER BY dl.delivery_id LOOP
        IF d.is_new THEN
            INSERT INTO stock (sku, qty) VALUES (d.sku, d.qty);
        ELSE
            UPDATE stock SET qty = qty + d.qty WHERE sku = d.sku;
        END IF;
    END LOOP;
END $$;
