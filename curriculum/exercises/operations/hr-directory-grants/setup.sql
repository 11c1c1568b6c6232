-- Larchmont Staffing's HR database. The two login roles exist already (roles are created by
-- the platform: the learner cannot create roles in the sandbox).
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'hr_analyst') THEN
        CREATE ROLE hr_analyst LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'timesheet_app') THEN
        CREATE ROLE timesheet_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
    END IF;
END $$;

CREATE TABLE employees (
    id         int PRIMARY KEY,
    full_name  text NOT NULL,
    department text NOT NULL,
    email      text NOT NULL UNIQUE,
    salary     numeric(10,2) NOT NULL
);
INSERT INTO employees
SELECT g,
       (ARRAY['Ada', 'Bo', 'Cy', 'Di', 'Ed', 'Flo', 'Gus', 'Hal'])[1 + g % 8] || ' ' ||
       (ARRAY['Okafor', 'Lind', 'Moreau', 'Tanaka', 'Reyes'])[1 + g % 5] || ' ' || g,
       (ARRAY['Sales', 'Support', 'Finance', 'Engineering'])[1 + g % 4],
       'staff' || g || '@larchmont.example',
       38000 + (g * 7919) % 52000
FROM generate_series(1, 40) g;

CREATE TABLE timesheets (
    id          bigserial PRIMARY KEY,
    employee_id int NOT NULL REFERENCES employees,
    work_date   date NOT NULL,
    hours       numeric(4,1) NOT NULL CHECK (hours > 0 AND hours <= 24)
);
INSERT INTO timesheets (employee_id, work_date, hours)
SELECT 1 + g % 40, date '2024-05-01' + g % 20, 4 + g % 5
FROM generate_series(1, 200) g;
