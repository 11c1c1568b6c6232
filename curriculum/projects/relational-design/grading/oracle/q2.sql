SELECT * FROM (
    SELECT g.listing_id, min(c.listing_title) AS title, sum(g.line_total_cents) AS revenue_cents,
           rank() OVER (ORDER BY sum(g.line_total_cents) DESC) AS rank
    FROM grader.good_lines AS g JOIN (SELECT DISTINCT listing_id, listing_title FROM staging.legacy_catalogue) AS c
         USING (listing_id)
    GROUP BY g.listing_id) AS x
WHERE rank <= 10 ORDER BY rank, listing_id;
