-- One partial index for both tabs: the query's status = '...' implies status IN (...).
CREATE INDEX orders_problem_tabs_idx ON orders (customer_id, status, created_at DESC)
    WHERE status IN ('cancelled', 'returned');
