-- Row by row, but each step is an atomic upsert.
DO $$
DECLARE
    d deliveries%ROWTYPE;
BEGIN
    FOR d IN SELECT * FROM deliveries ORDER BY delivery_id LOOP
        INSERT INTO stock AS s (sku, qty) VALUES (d.sku, d.qty)
        ON CONFLICT (sku) DO UPDATE SET qty = s.qty + EXCLUDED.qty;
    END LOOP;
END $$;
