DO $$
DECLARE
    v_sku text;
    v_qty integer;
    affected integer;
BEGIN
    FOR v_sku, v_qty IN SELECT sku, qty FROM deliveries ORDER BY delivery_id LOOP
        UPDATE stock SET qty = qty + v_qty WHERE sku = v_sku;
        GET DIAGNOSTICS affected = ROW_COUNT;
        IF affected = 0 THEN
            INSERT INTO stock (sku, qty) VALUES (v_sku, v_qty);
        END IF;
    END LOOP;
END $$;
