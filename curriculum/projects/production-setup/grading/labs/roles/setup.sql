-- Saltmarsh Payroll's schema, as the roles lab of the production-setup project builds it.
-- The platform creates the application's login roles (plain roles, no rights). The lab's session
-- owns the schema: it stands for payroll_owner, the NOLOGIN owner role migrator SETs ROLE to (the
-- project check runs the hand-in with payroll_owner read as this session's role).
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'app_rw') THEN
        CREATE ROLE app_rw LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'app_report') THEN
        CREATE ROLE app_report LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
    END IF;
END $$;

CREATE SCHEMA payroll;
CREATE TABLE payroll.employers (
    id   int PRIMARY KEY,
    name text NOT NULL
);
CREATE TABLE payroll.employees (
    id          int PRIMARY KEY,
    employer_id int NOT NULL REFERENCES payroll.employers,
    full_name   text NOT NULL,
    iban        text NOT NULL,
    salary      numeric(10,2) NOT NULL CHECK (salary > 0)
);
CREATE TABLE payroll.payslips (
    id          int PRIMARY KEY,
    employer_id int NOT NULL REFERENCES payroll.employers,
    employee_id int NOT NULL REFERENCES payroll.employees,
    period      date NOT NULL,
    gross       numeric(10,2) NOT NULL
);
-- The report the app_report role reads: an ordinary view (owned by the schema's owner).
CREATE VIEW payroll.payroll_totals AS
SELECT employer_id, period, count(*) AS payslips, sum(gross) AS gross
FROM payroll.payslips
GROUP BY employer_id, period;

INSERT INTO payroll.employers VALUES (1, 'Harbour Bakery'), (2, 'Dune Cycles'), (3, 'Gull Dental');
-- employer 1: employees 1-40, employer 2: 41-65, employer 3: 66-80
INSERT INTO payroll.employees
SELECT g, CASE WHEN g <= 40 THEN 1 WHEN g <= 65 THEN 2 ELSE 3 END,
       'Employee ' || g, 'NL' || lpad(g::text, 16, '0'), 2400 + (g * 173) % 3100
FROM generate_series(1, 80) g;
-- three monthly payslips per employee
INSERT INTO payroll.payslips
SELECT (e.id - 1) * 3 + m, e.employer_id, e.id, date '2026-01-01' + (m - 1) * interval '1 month', e.salary
FROM payroll.employees e, generate_series(1, 3) m;

