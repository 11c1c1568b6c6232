SELECT v.seller_id, v.sku, v.stock
FROM shop.variants AS v JOIN shop.listings AS li USING (listing_id)
WHERE li.active AND v.stock < :threshold
ORDER BY v.stock, v.sku;
