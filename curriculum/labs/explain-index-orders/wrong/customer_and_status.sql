-- Finds exactly the right rows, but not in the right order: every cancelled order of this
-- customer (hundreds, on as many table pages) is fetched and then sorted to keep 20.
CREATE INDEX orders_customer_status_idx ON orders (customer_id, status);
