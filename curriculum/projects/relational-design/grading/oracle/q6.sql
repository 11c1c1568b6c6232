SELECT seller_id, sku, stock FROM staging.legacy_catalogue
WHERE listing_active AND stock < :threshold ORDER BY stock, sku;
