-- The loop, translated: FOUND plays the part of @@ROWCOUNT.
DO $$
DECLARE
    d record;
BEGIN
    FOR d IN SELECT sku, qty FROM deliveries ORDER BY delivery_id LOOP
        UPDATE stock SET qty = qty + d.qty WHERE sku = d.sku;
        IF NOT FOUND THEN
            INSERT INTO stock (sku, qty) VALUES (d.sku, d.qty);
        END IF;
    END LOOP;
END $$;
