CREATE TABLE departments (
    department_id integer PRIMARY KEY,
    name          text NOT NULL
);
-- CREATE TABLE employees (...);
-- CREATE TABLE badges (...);
