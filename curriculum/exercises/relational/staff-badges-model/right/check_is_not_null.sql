CREATE TABLE departments (
    department_id int PRIMARY KEY,
    name text UNIQUE CHECK (name IS NOT NULL)
);
CREATE TABLE employees (
    employee_id int PRIMARY KEY,
    full_name text,
    email text UNIQUE,
    department_id int REFERENCES departments (department_id) ON DELETE NO ACTION,
    manager_id int REFERENCES employees (employee_id) ON DELETE SET NULL,
    CHECK (full_name IS NOT NULL AND email IS NOT NULL AND department_id IS NOT NULL),
    CHECK (employee_id <> manager_id)
);
CREATE TABLE badges (
    badge_no text PRIMARY KEY,
    employee_id int UNIQUE REFERENCES employees ON DELETE CASCADE,
    issued_on date,
    CHECK (employee_id IS NOT NULL AND issued_on IS NOT NULL)
);
