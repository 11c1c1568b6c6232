-- Runs in the database payroll as the platform's superuser, after it created the roles app_rw
-- (owner of payroll) and app_report. The app writes payslips; the reports read totals.
CREATE TABLE payslips (
    id          integer PRIMARY KEY,
    employer_id integer NOT NULL,
    gross       numeric(10,2) NOT NULL DEFAULT 0
);
INSERT INTO payslips (id, employer_id, gross) SELECT g, 1 + g % 2600, 2400 + g % 3100 FROM generate_series(1, 20000) AS g;
CREATE INDEX payslips_employer ON payslips (employer_id);
ALTER TABLE payslips OWNER TO app_rw;
GRANT SELECT ON payslips TO app_report;
ANALYZE payslips;
