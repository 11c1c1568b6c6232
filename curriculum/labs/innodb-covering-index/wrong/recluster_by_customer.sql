-- cluster each customer's orders together by making them the primary key
ALTER TABLE orders DROP PRIMARY KEY, ADD PRIMARY KEY (customer_id, placed_at, id), ADD INDEX (id),
    ADD INDEX by_status (customer_id, status);
