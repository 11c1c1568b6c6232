SELECT listing_id, title, revenue_cents, rank
FROM (SELECT li.listing_id, li.title, sum(ol.line_total_cents) AS revenue_cents,
             rank() OVER (ORDER BY sum(ol.line_total_cents) DESC) AS rank
      FROM shop.order_lines AS ol
      JOIN shop.variants AS v USING (variant_id)
      JOIN shop.listings AS li USING (listing_id)
      GROUP BY li.listing_id, li.title) AS ranked
WHERE rank <= 10
ORDER BY rank, listing_id;
