-- Larchmont Staffing's reporting schema: migrations add a table to it every month.
-- The BI tool's login role exists already (roles are created by the platform).
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'bi_reader') THEN
        CREATE ROLE bi_reader LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
    END IF;
END $$;

CREATE TABLE payroll (
    employee_id int PRIMARY KEY,
    iban        text NOT NULL,
    salary      numeric(10,2) NOT NULL
);
INSERT INTO payroll SELECT g, 'NL' || lpad(g::text, 16, '0'), 38000 + (g * 7919) % 52000 FROM generate_series(1, 60) g;

CREATE SCHEMA reports;
CREATE TABLE reports.headcount (
    month      date NOT NULL,
    department text NOT NULL,
    people     int NOT NULL,
    PRIMARY KEY (month, department)
);
INSERT INTO reports.headcount
SELECT m, d, 5 + (extract(month FROM m)::int * 7 + length(d)) % 20
FROM generate_series(date '2024-01-01', date '2024-06-01', interval '1 month') m,
     unnest(ARRAY['Sales', 'Support', 'Finance', 'Engineering']) d;

CREATE TABLE reports.overtime (
    month      date NOT NULL,
    department text NOT NULL,
    hours      numeric(8,1) NOT NULL
);
INSERT INTO reports.overtime SELECT month, department, people * 3.5 FROM reports.headcount;
