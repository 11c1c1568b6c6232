BEGIN;
CREATE TABLE "departments" ("department_id" smallint PRIMARY KEY, "name" text NOT NULL UNIQUE);
CREATE TABLE "employees" (
    "employee_id" integer PRIMARY KEY,
    "full_name" text NOT NULL,
    "email" text NOT NULL UNIQUE,
    "department_id" smallint NOT NULL REFERENCES "departments",
    "manager_id" integer REFERENCES "employees" ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "no self management" CHECK ("manager_id" <> "employee_id")
);
CREATE TABLE "badges" (
    "badge_no" text PRIMARY KEY,
    "employee_id" integer NOT NULL UNIQUE REFERENCES "employees" ON DELETE CASCADE ON UPDATE CASCADE,
    "issued_on" date NOT NULL
);
COMMIT;
