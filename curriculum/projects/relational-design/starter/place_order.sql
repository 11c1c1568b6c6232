CREATE FUNCTION shop.place_order(p_buyer_email text, p_lines jsonb) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    -- create the order, decrement stock for every line of p_lines ([{"sku": "...", "qty": 2}]) atomically,
    -- RAISE (with an ERRCODE) if any line cannot be filled, and return the new order's reference
    RAISE EXCEPTION 'not written yet' USING ERRCODE = 'feature_not_supported';
END $$;
