-- Deferrable foreign keys: a whole team can be loaded in any order inside one transaction.
CREATE TABLE departments (department_id bigint PRIMARY KEY, name text NOT NULL UNIQUE);
CREATE TABLE employees (
    employee_id   bigint PRIMARY KEY,
    full_name     text NOT NULL,
    email         text NOT NULL UNIQUE,
    department_id bigint NOT NULL REFERENCES departments DEFERRABLE INITIALLY DEFERRED,
    manager_id    bigint REFERENCES employees ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED,
    CHECK (manager_id <> employee_id)
);
CREATE INDEX ON employees (manager_id);
CREATE TABLE badges (
    badge_no    text PRIMARY KEY CHECK (badge_no <> ''),
    employee_id bigint NOT NULL UNIQUE REFERENCES employees ON DELETE CASCADE DEFERRABLE,
    issued_on   date NOT NULL DEFAULT current_date
);
