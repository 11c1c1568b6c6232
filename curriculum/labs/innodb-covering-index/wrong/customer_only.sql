CREATE INDEX by_customer ON orders (customer_id);
