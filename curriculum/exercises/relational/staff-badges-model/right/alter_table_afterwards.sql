CREATE TABLE departments (department_id int, name text);
CREATE TABLE employees (employee_id int, full_name text, email text, department_id int, manager_id int);
CREATE TABLE badges (badge_no text, employee_id int, issued_on date);

ALTER TABLE departments ADD PRIMARY KEY (department_id), ALTER name SET NOT NULL, ADD UNIQUE (name);
ALTER TABLE employees
    ADD PRIMARY KEY (employee_id),
    ALTER full_name SET NOT NULL,
    ALTER email SET NOT NULL,
    ALTER department_id SET NOT NULL,
    ADD UNIQUE (email),
    ADD FOREIGN KEY (department_id) REFERENCES departments,
    ADD FOREIGN KEY (manager_id) REFERENCES employees ON DELETE SET NULL,
    ADD CHECK (manager_id <> employee_id);
ALTER TABLE badges
    ADD PRIMARY KEY (badge_no),
    ALTER employee_id SET NOT NULL,
    ALTER issued_on SET NOT NULL,
    ADD UNIQUE (employee_id),
    ADD FOREIGN KEY (employee_id) REFERENCES employees ON DELETE CASCADE;
