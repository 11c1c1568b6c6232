-- Q6 how many shipments leave from or arrive at a city. :'city'
SELECT count(*) AS shipments
FROM brightwater.shipments
WHERE origin_city = :'city' OR dest_city = :'city';
