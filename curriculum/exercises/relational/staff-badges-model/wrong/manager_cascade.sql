-- ON DELETE CASCADE on the manager: deleting a manager deletes their whole team.
CREATE TABLE departments (department_id integer PRIMARY KEY, name text NOT NULL UNIQUE);
CREATE TABLE employees (employee_id integer PRIMARY KEY, full_name text NOT NULL, email text NOT NULL UNIQUE,
    department_id integer NOT NULL REFERENCES departments,
    manager_id integer REFERENCES employees ON DELETE CASCADE, CHECK (manager_id <> employee_id));
CREATE TABLE badges (badge_no text PRIMARY KEY,
    employee_id integer NOT NULL UNIQUE REFERENCES employees ON DELETE CASCADE, issued_on date NOT NULL);
