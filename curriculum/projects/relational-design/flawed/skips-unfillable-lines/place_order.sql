CREATE FUNCTION shop.place_order(p_buyer_email text, p_lines jsonb) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    v_buyer integer;
    v_order bigint;
    v_ref   text;
    v_line  record;
    v_variant shop.variants%ROWTYPE;
BEGIN
    SELECT buyer_id INTO v_buyer FROM shop.buyers WHERE email = btrim(p_buyer_email)::citext;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no buyer with email %', p_buyer_email USING ERRCODE = 'foreign_key_violation';
    END IF;
    v_ref := 'KM-N' || upper(substr(md5(random()::text || clock_timestamp()::text), 1, 10));
    INSERT INTO shop.orders (order_ref, buyer_id) VALUES (v_ref, v_buyer) RETURNING order_id INTO v_order;
    FOR v_line IN SELECT * FROM jsonb_to_recordset(p_lines) AS x(sku text, qty integer) LOOP
        -- the conditional UPDATE takes the row lock and checks stock in one step: no oversell
        UPDATE shop.variants SET stock = stock - v_line.qty
        WHERE sku = v_line.sku AND stock >= v_line.qty AND v_line.qty > 0
        RETURNING * INTO v_variant;
        IF NOT FOUND THEN
            RAISE NOTICE 'skipping % x %: not enough stock', v_line.qty, v_line.sku;
            CONTINUE;  -- sell what we can
        END IF;
        INSERT INTO shop.order_lines (order_id, variant_id, qty, unit_price_cents, line_total_cents)
        VALUES (v_order, v_variant.variant_id, v_line.qty, v_variant.price_cents, v_line.qty * v_variant.price_cents);
    END LOOP;
    RETURN v_ref;
END $$;
