CREATE TABLE departments (department_id integer PRIMARY KEY, name text NOT NULL UNIQUE);
CREATE TABLE employees (
    employee_id integer PRIMARY KEY,
    full_name text NOT NULL,
    email text NOT NULL UNIQUE,
    department_id integer NOT NULL REFERENCES departments,
    manager_id integer,
    CONSTRAINT employees_manager_fk FOREIGN KEY (manager_id) REFERENCES employees (employee_id) ON DELETE SET NULL,
    CONSTRAINT employees_manager_other CHECK (manager_id IS NULL OR manager_id <> employee_id)
);
CREATE TABLE badges (
    badge_no text PRIMARY KEY,
    employee_id integer NOT NULL REFERENCES employees ON DELETE CASCADE,
    issued_on date NOT NULL
);
ALTER TABLE badges ADD CONSTRAINT badges_employee_key UNIQUE (employee_id);
