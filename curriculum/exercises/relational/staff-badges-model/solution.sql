CREATE TABLE departments (
    department_id integer PRIMARY KEY,
    name          text NOT NULL UNIQUE
);

CREATE TABLE employees (
    employee_id   integer PRIMARY KEY,
    full_name     text NOT NULL,
    email         text NOT NULL UNIQUE,
    -- one-to-many; NO ACTION refuses deleting a department that has employees
    department_id integer NOT NULL REFERENCES departments (department_id),
    -- a self-reference: the hierarchy lives in the table itself
    manager_id    integer REFERENCES employees (employee_id) ON DELETE SET NULL,
    CONSTRAINT employees_not_own_manager CHECK (manager_id <> employee_id)
);
CREATE INDEX employees_department_idx ON employees (department_id);
CREATE INDEX employees_manager_idx ON employees (manager_id);

-- one-to-one (optional on the employee's side): a foreign key that is also unique
CREATE TABLE badges (
    badge_no    text PRIMARY KEY,
    employee_id integer NOT NULL UNIQUE REFERENCES employees (employee_id) ON DELETE CASCADE,
    issued_on   date NOT NULL
);
