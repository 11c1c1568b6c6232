-- PostgreSQL 15: ON DELETE SET NULL (manager_id) names the column to clear.
CREATE TABLE departments (
    department_id integer NOT NULL PRIMARY KEY,
    name text NOT NULL,
    UNIQUE (name)
);
CREATE TABLE employees (
    employee_id integer NOT NULL PRIMARY KEY,
    full_name text NOT NULL,
    email text NOT NULL,
    department_id integer NOT NULL,
    manager_id integer,
    UNIQUE (email),
    FOREIGN KEY (department_id) REFERENCES departments (department_id),
    FOREIGN KEY (manager_id) REFERENCES employees (employee_id) ON DELETE SET NULL (manager_id),
    CHECK (NOT (manager_id = employee_id))
);
CREATE TABLE badges (
    badge_no text NOT NULL PRIMARY KEY,
    employee_id integer NOT NULL,
    issued_on date NOT NULL,
    UNIQUE (employee_id),
    FOREIGN KEY (employee_id) REFERENCES employees (employee_id) ON DELETE CASCADE
);
